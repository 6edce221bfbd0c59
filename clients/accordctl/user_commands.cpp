// accordctl user add|remove|list --file FILE [NAME]: the broker's MQTT password file
// (auth.password_file; format in broker/auth/password_file.hpp). Offline: edits the file, the
// broker re-reads it on SIGHUP. Passwords come from the terminal without echo, or from stdin
// with --password-stdin; never from the command line, where `ps` and shell history would
// show them. Writes go to a temporary file in the same directory, mode 0600, fsynced, then
// renamed over FILE: a crash leaves the old file or the new one, never half of one.
#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "broker/auth/password_file.hpp"
#include "cli.hpp"

namespace accordctl {

namespace {

// The whole file, or "" when it does not exist (only `add` may start a new file).
std::string read_password_file(const std::string& path, bool must_exist) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT && !must_exist) return {};
    throw Failure{kUsage, "cannot read '" + path + "': " + std::strerror(errno)};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Failure{kUsage, "cannot read '" + path + "'"};
  std::ostringstream text;
  text << in.rdbuf();
  // Never rewrite a file the broker could not load: the error names the line to fix.
  try {
    accord::auth::PasswordFile::parse(text.str(), path);
  } catch (const accord::auth::LoadError& e) {
    throw Failure{kUsage, e.what()};
  }
  return text.str();
}

void write_atomically(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(tmp.data());  // created 0600
  if (fd < 0) throw Failure{kFailed, "cannot create '" + tmp + "': " + std::strerror(errno)};
  const auto fail = [&](const std::string& what) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    throw Failure{kFailed, what + " '" + tmp + "': " + std::strerror(err)};
  };
  if (::fchmod(fd, S_IRUSR | S_IWUSR) != 0) fail("cannot chmod");
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot write");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) fail("cannot sync");
  if (::close(fd) != 0) {
    ::unlink(tmp.c_str());
    throw Failure{kFailed, "cannot write '" + tmp + "'"};
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw Failure{kFailed, "cannot replace '" + path + "': " + std::strerror(err)};
  }
}

std::string read_line_no_echo(const char* prompt) {
  std::cerr << prompt << std::flush;
  termios old{};
  ::tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  std::string line;
  std::getline(std::cin, line);
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
  std::cerr << '\n';
  return line;
}

std::string read_password(bool from_stdin) {
  std::string password;
  if (from_stdin) {
    std::getline(std::cin, password);
    if (!password.empty() && password.back() == '\r') password.pop_back();
  } else if (::isatty(STDIN_FILENO)) {
    password = read_line_no_echo("Password: ");
    if (read_line_no_echo("Password again: ") != password)
      throw Failure{kUsage, "the passwords differ"};
  } else {
    throw Failure{kUsage, "stdin is not a terminal: pass --password-stdin to read the password from it"};
  }
  if (password.empty()) throw Failure{kUsage, "empty password"};
  return password;
}

}  // namespace

void add_user_commands(CLI::App& app, Context& ctx) {
  auto* user = app.add_subcommand("user", "MQTT users of the broker's password file (auth.password_file)")
                   ->require_subcommand(1);
  struct Args {
    std::string file, name;
    bool password_stdin = false;
    std::uint32_t iterations = accord::auth::kDefaultIterations;
  };
  auto a = std::make_shared<Args>();

  auto* add = user->add_subcommand(
      "add", "add a user or change a user's password (prompted without echo, or --password-stdin)");
  add->add_option("--file", a->file, "the password file (created, mode 0600, if missing)")->required();
  add->add_option("NAME", a->name, "user name (no ':')")->required();
  add->add_flag("--password-stdin", a->password_stdin, "read the password from the first line of stdin");
  add->add_option("--iterations", a->iterations, "PBKDF2-SHA256 iterations (default 600000, at least 100000)")
      ->check(CLI::Range(accord::auth::kMinIterations, 100'000'000u));
  add->callback([&ctx, a] {
    ctx.action = [a] {
      if (auto why = accord::auth::check_user_name(a->name); !why.empty()) throw Failure{kUsage, why};
      const std::string text = read_password_file(a->file, false);
      const std::string password = read_password(a->password_stdin);
      const bool existed = accord::auth::PasswordFile::parse(text, a->file).find(a->name) != nullptr;
      write_atomically(a->file, accord::auth::upsert_user(
                                    text, a->name, accord::auth::hash_password(password, a->iterations)));
      std::cerr << (existed ? "password changed for " : "added ") << a->name
                << " (send SIGHUP to the broker to apply)\n";
      return static_cast<int>(kOk);
    };
  });

  auto* remove = user->add_subcommand("remove", "remove a user (exit 1 when there is none)");
  remove->add_option("--file", a->file, "the password file")->required();
  remove->add_option("NAME", a->name, "user name")->required();
  remove->callback([&ctx, a] {
    ctx.action = [a] {
      if (auto why = accord::auth::check_user_name(a->name); !why.empty()) throw Failure{kUsage, why};
      auto edited = accord::auth::remove_user(read_password_file(a->file, true), a->name);
      if (!edited) throw Failure{kFailed, "no user '" + a->name + "' in " + a->file};
      write_atomically(a->file, *edited);
      std::cerr << "removed " << a->name << " (send SIGHUP to the broker to apply)\n";
      return static_cast<int>(kOk);
    };
  });

  auto* list = user->add_subcommand("list", "user names, one per line (-o json: an array)");
  list->add_option("--file", a->file, "the password file")->required();
  list->callback([&ctx, a] {
    ctx.action = [&ctx, a] {
      const auto file = accord::auth::PasswordFile::parse(read_password_file(a->file, true), a->file);
      if (ctx.json()) {
        boost::json::array names;
        for (const auto& n : file.names()) names.emplace_back(n);
        std::cout << boost::json::serialize(names) << '\n';
      } else {
        for (const auto& n : file.names()) std::cout << n << '\n';
      }
      return static_cast<int>(kOk);
    };
  });
}

}  // namespace accordctl
