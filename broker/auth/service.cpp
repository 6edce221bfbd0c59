#include "broker/auth/service.hpp"

namespace accord::auth {

namespace {
constexpr std::size_t kVerifiedCacheMax = 10'000;

PasswordHash make_dummy() {
  PasswordHash h;
  h.iterations = kDefaultIterations;
  h.salt = random_bytes(16);
  h.digest = random_bytes(32);
  return h;
}
}  // namespace

std::optional<Anonymous> parse_anonymous(std::string_view text) {
  if (text == "local") return Anonymous::Local;
  if (text == "allow") return Anonymous::Allow;
  if (text == "deny") return Anonymous::Deny;
  return std::nullopt;
}

AuthService::AuthService(AuthOptions options)
    : options_(std::move(options)), pepper_(random_bytes(32)), dummy_(make_dummy()) {
  if (!options_.password_file.empty()) {
    auto p = std::make_shared<Passwords>();
    p->file = PasswordFile::load(options_.password_file);
    passwords_ = std::move(p);
  }
  if (!options_.acl_file.empty()) {
    acl_ = std::make_shared<const AclRules>(AclRules::load(options_.acl_file));
  }
  // Last: a file that throws above must not leave running threads behind.
  if (passwords_) {
    for (unsigned i = 0; i < kVerifyThreads; ++i) workers_.emplace_back([this] { work(); });
  }
}

AuthService::~AuthService() {
  {
    std::lock_guard lk(jobs_mu_);
    stopping_ = true;
  }
  jobs_cv_.notify_all();
  for (auto& w : workers_) w.join();
}

std::string AuthService::cache_key(std::string_view user, std::string_view password) const {
  std::string data(user);
  data.push_back('\0');
  data.append(password);
  return hmac_sha256(pepper_, data);
}

std::optional<Outcome> AuthService::check_fast(const Credentials& c) const {
  using V = Outcome::Verdict;
  if (c.certified_user) return Outcome{V::Allowed, c.certified_user, "client certificate"};
  std::shared_ptr<const Passwords> passwords;
  {
    std::lock_guard lk(mu_);
    passwords = passwords_;
  }
  // Without a password file a user name proves nothing: the client counts as anonymous.
  if (!c.username || !passwords) {
    const bool ok = c.certified || options_.anonymous == Anonymous::Allow ||
                    (options_.anonymous == Anonymous::Local && c.loopback);
    if (ok) return Outcome{V::Allowed, std::nullopt, "anonymous"};
    return Outcome{V::NotAuthorized, std::nullopt,
                   options_.anonymous == Anonymous::Deny
                       ? "anonymous clients are not allowed (auth.anonymous = deny)"
                       : "anonymous clients are allowed from loopback only (auth.anonymous = local)"};
  }
  if (!c.password) return Outcome{V::BadCredentials, std::nullopt, "no password"};
  const std::string key = cache_key(*c.username, *c.password);
  std::lock_guard lk(passwords->mu);
  if (auto it = passwords->verified.find(*c.username);
      it != passwords->verified.end() && equal_constant_time(it->second, key)) {
    return Outcome{V::Allowed, c.username, "password (remembered)"};
  }
  return std::nullopt;
}

bool AuthService::verify_async(Credentials credentials, std::function<void(Outcome)> done) {
  std::shared_ptr<const Passwords> passwords;
  {
    std::lock_guard lk(mu_);
    passwords = passwords_;
  }
  if (!passwords) {  // check_fast always answers then; kept total for callers
    done(check_fast(credentials).value_or(Outcome{Outcome::Verdict::NotAuthorized, {}, "no password file"}));
    return true;
  }
  {
    std::lock_guard lk(jobs_mu_);
    if (jobs_.size() >= kMaxPendingVerifications) return false;
    jobs_.push_back(Job{std::move(credentials), std::move(passwords), std::move(done)});
  }
  jobs_cv_.notify_one();
  return true;
}

Outcome AuthService::verify(const Job& job) const {
  using V = Outcome::Verdict;
  const Credentials& c = job.credentials;
  if (!c.username || !c.password) return Outcome{V::BadCredentials, std::nullopt, "no password"};
  const PasswordHash* hash = job.passwords->file.find(*c.username);
  // An unknown user costs as much as a wrong password: timing tells nothing about user names.
  const bool ok = verify_password(*c.password, hash ? *hash : dummy_) && hash != nullptr;
  if (!ok) {
    return Outcome{V::BadCredentials, std::nullopt, hash ? "wrong password" : "unknown user"};
  }
  const std::string key = cache_key(*c.username, *c.password);
  std::lock_guard lk(job.passwords->mu);
  if (job.passwords->verified.size() >= kVerifiedCacheMax) job.passwords->verified.clear();
  job.passwords->verified[*c.username] = key;
  return Outcome{V::Allowed, c.username, "password"};
}

void AuthService::work() {
  for (;;) {
    Job job;
    {
      std::unique_lock lk(jobs_mu_);
      jobs_cv_.wait(lk, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    Outcome outcome;
    try {
      outcome = verify(job);
    } catch (const std::exception& e) {
      outcome = Outcome{Outcome::Verdict::BadCredentials, std::nullopt, e.what()};
    }
    job.done(std::move(outcome));
  }
}

ReloadResult AuthService::reload() {
  ReloadResult result;
  std::shared_ptr<const Passwords> passwords;
  std::shared_ptr<const AclRules> acl;
  if (!options_.password_file.empty()) {
    try {
      auto p = std::make_shared<Passwords>();
      p->file = PasswordFile::load(options_.password_file);
      passwords = std::move(p);
    } catch (const std::exception& e) {
      result.errors.push_back(e.what());
    }
  }
  if (!options_.acl_file.empty()) {
    try {
      acl = std::make_shared<const AclRules>(AclRules::load(options_.acl_file));
    } catch (const std::exception& e) {
      result.errors.push_back(e.what());
    }
  }
  std::lock_guard lk(mu_);
  if (passwords) passwords_ = std::move(passwords);
  if (acl) {
    acl_ = std::move(acl);
    generation_.fetch_add(1, std::memory_order_acq_rel);
  }
  result.users = passwords_ ? passwords_->file.size() : 0;
  result.acl = acl_ != nullptr;
  return result;
}

std::shared_ptr<const Permissions> AuthService::permissions(const Identity& identity) const {
  std::shared_ptr<const AclRules> acl;
  std::uint64_t generation = 0;
  {
    std::lock_guard lk(mu_);
    acl = acl_;
    generation = generation_.load(std::memory_order_acquire);
  }
  if (!acl) return nullptr;
  return acl->resolve(identity, generation);
}

}  // namespace accord::auth
