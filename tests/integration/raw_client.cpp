#include "raw_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace accord::it {

namespace {

enum class Kind { Byte, U16, U32, Varint, Str, Bin, Pair };

Kind kind_of(std::uint8_t id) {
  switch (id) {
    case 0x01: case 0x17: case 0x19: case 0x24: case 0x25: case 0x28: case 0x29: case 0x2A:
      return Kind::Byte;
    case 0x13: case 0x21: case 0x22: case 0x23:
      return Kind::U16;
    case 0x02: case 0x11: case 0x18: case 0x27:
      return Kind::U32;
    case 0x0B:
      return Kind::Varint;
    case 0x09: case 0x16:
      return Kind::Bin;
    case 0x26:
      return Kind::Pair;
    default:
      return Kind::Str;  // 0x03 0x08 0x12 0x15 0x1A 0x1C 0x1F
  }
}

std::uint32_t rd_u16(const std::string& d, std::size_t& pos) {
  if (pos + 2 > d.size()) throw std::runtime_error("truncated u16");
  std::uint32_t v = (std::uint8_t(d[pos]) << 8) | std::uint8_t(d[pos + 1]);
  pos += 2;
  return v;
}

std::uint32_t rd_u32(const std::string& d, std::size_t& pos) {
  std::uint32_t hi = rd_u16(d, pos);
  return (hi << 16) | rd_u16(d, pos);
}

std::uint32_t rd_varint(const std::string& d, std::size_t& pos) {
  std::uint32_t v = 0;
  for (int shift = 0; shift < 28; shift += 7) {
    if (pos >= d.size()) throw std::runtime_error("truncated varint");
    std::uint8_t b = d[pos++];
    v |= std::uint32_t(b & 0x7F) << shift;
    if (!(b & 0x80)) return v;
  }
  throw std::runtime_error("varint too long");
}

std::string rd_str(const std::string& d, std::size_t& pos) {
  std::size_t n = rd_u16(d, pos);
  if (pos + n > d.size()) throw std::runtime_error("truncated string");
  std::string s = d.substr(pos, n);
  pos += n;
  return s;
}

}  // namespace

// ---- properties ---------------------------------------------------------------------------------

const Property* Properties::find(std::uint8_t id) const {
  for (const auto& p : items)
    if (p.id == id) return &p;
  return nullptr;
}

std::optional<std::uint32_t> Properties::num(std::uint8_t id) const {
  if (auto* p = find(id)) return p->num;
  return std::nullopt;
}

std::optional<std::string> Properties::str(std::uint8_t id) const {
  if (auto* p = find(id)) return p->str;
  return std::nullopt;
}

std::vector<std::uint32_t> Properties::all_nums(std::uint8_t id) const {
  std::vector<std::uint32_t> out;
  for (const auto& p : items)
    if (p.id == id) out.push_back(p.num);
  return out;
}

std::vector<std::pair<std::string, std::string>> Properties::user() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& p : items)
    if (p.id == prop::UserProperty) out.emplace_back(p.str, p.str2);
  return out;
}

Bytes Properties::encode() const {
  Bytes body;
  for (const auto& p : items) {
    body += char(p.id);
    switch (kind_of(p.id)) {
      case Kind::Byte: body += char(p.num); break;
      case Kind::U16: body += encode_u16(std::uint16_t(p.num)); break;
      case Kind::U32:
        body += encode_u16(std::uint16_t(p.num >> 16));
        body += encode_u16(std::uint16_t(p.num));
        break;
      case Kind::Varint: body += encode_varint(p.num); break;
      case Kind::Str:
      case Kind::Bin: body += encode_str(p.str); break;
      case Kind::Pair: body += encode_str(p.str) + encode_str(p.str2); break;
    }
  }
  return encode_varint(std::uint32_t(body.size())) + body;
}

bool Properties::decode(const std::string& d, std::size_t& pos, Properties& out) {
  try {
    std::size_t len = rd_varint(d, pos);
    std::size_t end = pos + len;
    if (end > d.size()) return false;
    while (pos < end) {
      Property p;
      p.id = std::uint8_t(d[pos++]);
      switch (kind_of(p.id)) {
        case Kind::Byte:
          if (pos >= end) return false;
          p.num = std::uint8_t(d[pos++]);
          break;
        case Kind::U16: p.num = rd_u16(d, pos); break;
        case Kind::U32: p.num = rd_u32(d, pos); break;
        case Kind::Varint: p.num = rd_varint(d, pos); break;
        case Kind::Str:
        case Kind::Bin: p.str = rd_str(d, pos); break;
        case Kind::Pair:
          p.str = rd_str(d, pos);
          p.str2 = rd_str(d, pos);
          break;
      }
      out.items.push_back(std::move(p));
    }
    return pos == end;
  } catch (const std::exception&) {
    return false;
  }
}

// ---- encoders -----------------------------------------------------------------------------------

Bytes encode_varint(std::uint32_t v) {
  Bytes out;
  do {
    std::uint8_t b = v & 0x7F;
    v >>= 7;
    if (v) b |= 0x80;
    out += char(b);
  } while (v);
  return out;
}

Bytes encode_u16(std::uint16_t v) { return Bytes{char(v >> 8), char(v & 0xFF)}; }

Bytes encode_str(const std::string& s) { return encode_u16(std::uint16_t(s.size())) + s; }

Bytes make_packet(std::uint8_t first_byte, const Bytes& body) {
  return Bytes(1, char(first_byte)) + encode_varint(std::uint32_t(body.size())) + body;
}

Bytes encode_connect(const ConnectOptions& o) {
  Bytes b = encode_str("MQTT");
  b += char(o.version);
  std::uint8_t flags = 0;
  if (o.clean) flags |= 0x02;
  if (o.will) {
    flags |= 0x04 | (o.will->qos << 3);
    if (o.will->retain) flags |= 0x20;
  }
  if (o.password) flags |= 0x40;
  if (o.username) flags |= 0x80;
  b += char(flags);
  b += encode_u16(o.keep_alive);
  if (o.version == 5) b += o.props.encode();
  b += encode_str(o.client_id);
  if (o.will) {
    if (o.version == 5) b += o.will->props.encode();
    b += encode_str(o.will->topic);
    b += encode_str(o.will->payload);
  }
  if (o.username) b += encode_str(*o.username);
  if (o.password) b += encode_str(*o.password);
  return make_packet(CONNECT << 4, b);
}

Bytes encode_publish(int version, const Publish& p) {
  std::uint8_t first = (PUBLISH << 4) | (p.qos << 1) | (p.retain ? 1 : 0) | (p.dup ? 8 : 0);
  Bytes b = encode_str(p.topic);
  if (p.qos > 0) b += encode_u16(p.packet_id);
  if (version == 5) b += p.props.encode();
  b += p.payload;
  return make_packet(first, b);
}

Bytes encode_subscribe(int version, std::uint16_t packet_id, const std::vector<SubscribeEntry>& subs,
                       const Properties& props) {
  Bytes b = encode_u16(packet_id);
  if (version == 5) b += props.encode();
  for (const auto& s : subs) {
    b += encode_str(s.filter);
    b += char(version == 5 ? s.options : (s.options & 0x03));
  }
  return make_packet((SUBSCRIBE << 4) | 0x02, b);
}

Bytes encode_unsubscribe(int version, std::uint16_t packet_id, const std::vector<std::string>& filters) {
  Bytes b = encode_u16(packet_id);
  if (version == 5) b += Properties{}.encode();
  for (const auto& f : filters) b += encode_str(f);
  return make_packet((UNSUBSCRIBE << 4) | 0x02, b);
}

Bytes encode_ack(int version, std::uint8_t type, std::uint16_t packet_id, std::uint8_t reason) {
  Bytes b = encode_u16(packet_id);
  if (version == 5 && reason != 0) {
    b += char(reason);
    b += Properties{}.encode();
  }
  return make_packet((type << 4) | (type == PUBREL ? 0x02 : 0), b);
}

Bytes encode_disconnect(int version, std::uint8_t reason, const Properties& props) {
  Bytes b;
  if (version == 5 && (reason != 0 || !props.items.empty())) {
    b += char(reason);
    b += props.encode();
  }
  return make_packet(DISCONNECT << 4, b);
}

Bytes encode_pingreq() { return make_packet(PINGREQ << 4, {}); }

// ---- decoders -----------------------------------------------------------------------------------

Connack decode_connack(int version, const Packet& p) {
  if (p.type != CONNACK) throw std::runtime_error("expected CONNACK, got " + packet_name(p.type));
  if (p.body.size() < 2) throw std::runtime_error("short CONNACK");
  Connack c;
  c.session_present = p.body[0] & 1;
  c.code = std::uint8_t(p.body[1]);
  std::size_t pos = 2;
  if (version == 5 && pos < p.body.size() && !Properties::decode(p.body, pos, c.props))
    throw std::runtime_error("bad CONNACK properties");
  return c;
}

Publish decode_publish(int version, const Packet& p) {
  if (p.type != PUBLISH) throw std::runtime_error("expected PUBLISH, got " + packet_name(p.type));
  Publish m;
  m.qos = (p.flags >> 1) & 3;
  m.retain = p.flags & 1;
  m.dup = p.flags & 8;
  std::size_t pos = 0;
  m.topic = rd_str(p.body, pos);
  if (m.qos > 0) m.packet_id = std::uint16_t(rd_u16(p.body, pos));
  if (version == 5 && !Properties::decode(p.body, pos, m.props))
    throw std::runtime_error("bad PUBLISH properties");
  m.payload = p.body.substr(pos);
  return m;
}

Ack decode_ack(int version, const Packet& p) {
  Ack a;
  std::size_t pos = 0;
  a.packet_id = std::uint16_t(rd_u16(p.body, pos));
  if (p.type == SUBACK || p.type == UNSUBACK) {
    if (version == 5 && !Properties::decode(p.body, pos, a.props))
      throw std::runtime_error("bad SUBACK properties");
    while (pos < p.body.size()) a.reasons.push_back(std::uint8_t(p.body[pos++]));
    if (!a.reasons.empty()) a.reason = a.reasons[0];
    return a;
  }
  if (version == 5 && pos < p.body.size()) {
    a.reason = std::uint8_t(p.body[pos++]);
    if (pos < p.body.size() && !Properties::decode(p.body, pos, a.props))
      throw std::runtime_error("bad ack properties");
  }
  return a;
}

Disconnect decode_disconnect(int version, const Packet& p) {
  if (p.type != DISCONNECT) throw std::runtime_error("expected DISCONNECT, got " + packet_name(p.type));
  Disconnect d;
  std::size_t pos = 0;
  if (version == 5 && !p.body.empty()) {
    d.reason = std::uint8_t(p.body[pos++]);
    if (pos < p.body.size() && !Properties::decode(p.body, pos, d.props))
      throw std::runtime_error("bad DISCONNECT properties");
  }
  return d;
}

std::string packet_name(std::uint8_t type) {
  static const char* names[] = {"RESERVED", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC",
                                "PUBREL", "PUBCOMP", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE",
                                "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH"};
  return type < 16 ? names[type] : "?";
}

// ---- client -------------------------------------------------------------------------------------

RawClient::~RawClient() {
  if (fd_ >= 0) ::close(fd_);
}

void RawClient::open(std::uint16_t port, const std::string& host) {
  if (fd_ >= 0) ::close(fd_);
  buf_.clear();
  closed_ = false;
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("connect to port " + std::to_string(port) + " failed: " + std::strerror(errno));
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

Connack RawClient::connect(std::uint16_t port, const ConnectOptions& o, std::chrono::milliseconds timeout) {
  open(port);
  version_ = o.version;
  send(encode_connect(o));
  return decode_connack(version_, expect(CONNACK, timeout));
}

void RawClient::send(const Bytes& bytes) {
  if (fd_ < 0) throw std::runtime_error("send on a closed RawClient");
  std::size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      // The broker may already have closed the connection: not an error for the caller,
      // who checks for the close separately.
      return;
    }
    off += std::size_t(n);
  }
}

bool RawClient::fill(std::chrono::steady_clock::time_point deadline) {
  if (fd_ < 0 || closed_) return false;
  auto now = std::chrono::steady_clock::now();
  if (now >= deadline) return false;
  int ms = int(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count()) + 1;
  pollfd pfd{fd_, POLLIN, 0};
  int r = ::poll(&pfd, 1, ms);
  if (r <= 0) return false;
  char tmp[65536];
  ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
  if (n <= 0) {
    closed_ = true;
    return false;
  }
  buf_.append(tmp, std::size_t(n));
  return true;
}

std::optional<Packet> RawClient::read(std::chrono::milliseconds timeout) {
  if (!stash_.empty()) {
    Packet p = stash_.front();
    stash_.pop_front();
    return p;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    // Try to parse a complete packet from the buffer.
    if (buf_.size() >= 2) {
      std::size_t pos = 1;
      std::uint32_t len = 0;
      bool complete_len = false;
      for (int shift = 0; shift < 28 && pos < buf_.size(); shift += 7) {
        std::uint8_t b = buf_[pos++];
        len |= std::uint32_t(b & 0x7F) << shift;
        if (!(b & 0x80)) { complete_len = true; break; }
      }
      if (complete_len && buf_.size() >= pos + len) {
        Packet p;
        p.type = std::uint8_t(buf_[0]) >> 4;
        p.flags = std::uint8_t(buf_[0]) & 0x0F;
        p.body = buf_.substr(pos, len);
        p.wire_size = pos + len;
        buf_.erase(0, pos + len);
        return p;
      }
    }
    if (!fill(deadline)) return std::nullopt;
  }
}

Packet RawClient::expect(std::uint8_t type, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<Packet> held;
  struct Restore {  // held PUBLISHes go back in front of the stash, in order, on every exit
    std::deque<Packet>& stash;
    std::vector<Packet>& held;
    ~Restore() { stash.insert(stash.begin(), held.begin(), held.end()); }
  } restore{stash_, held};
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto p = read(std::max(left, std::chrono::milliseconds(0)));
    if (!p) {
      throw std::runtime_error("expected " + packet_name(type) + ", got " +
                               (closed_ ? "connection closed" : "nothing (timeout)"));
    }
    if (p->type == PINGRESP && type != PINGRESP) continue;
    if (p->type == PUBLISH && type != PUBLISH) {
      // E.g. our own subscription's copy overtaking the PUBACK: keep it for the next read().
      held.push_back(*p);
      continue;
    }
    if (p->type != type) {
      std::string extra;
      if (p->type == DISCONNECT && version_ == 5 && !p->body.empty())
        extra = " reason 0x" + [&] { char h[8]; std::snprintf(h, sizeof h, "%02X", std::uint8_t(p->body[0])); return std::string(h); }();
      throw std::runtime_error("expected " + packet_name(type) + ", got " + packet_name(p->type) + extra);
    }
    return *p;
  }
}

Publish RawClient::expect_publish(std::chrono::milliseconds timeout) {
  return decode_publish(version_, expect(PUBLISH, timeout));
}

std::optional<std::vector<Packet>> RawClient::wait_closed(std::chrono::milliseconds timeout) {
  std::vector<Packet> seen;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) left = std::chrono::milliseconds(0);
    auto p = read(left);
    if (p) {
      seen.push_back(*p);
      continue;
    }
    if (closed_) return seen;
    return std::nullopt;
  }
}

bool RawClient::quiet_for(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return true;
    auto p = read(left);
    if (!p) return true;  // timeout (or close: nothing arrived either way)
    if (p->type != PINGRESP) return false;
  }
}

void RawClient::publish(const std::string& topic, const std::string& payload, int qos, bool retain,
                        std::uint16_t packet_id, const Properties& props, bool dup) {
  Publish p;
  p.topic = topic;
  p.payload = payload;
  p.qos = qos;
  p.retain = retain;
  p.dup = dup;
  p.packet_id = qos > 0 ? (packet_id ? packet_id : next_id()) : 0;
  p.props = props;
  send(encode_publish(version_, p));
}

Ack RawClient::subscribe(const std::vector<SubscribeEntry>& subs, const Properties& props,
                         std::uint16_t packet_id) {
  std::uint16_t id = packet_id ? packet_id : next_id();
  send(encode_subscribe(version_, id, subs, props));
  Ack a = decode_ack(version_, expect(SUBACK));
  if (a.packet_id != id) throw std::runtime_error("SUBACK packet id mismatch");
  return a;
}

Ack RawClient::subscribe(const std::string& filter, int qos, const Properties& props) {
  return subscribe({{filter, std::uint8_t(qos)}}, props);
}

Ack RawClient::unsubscribe(const std::vector<std::string>& filters) {
  std::uint16_t id = next_id();
  send(encode_unsubscribe(version_, id, filters));
  Ack a = decode_ack(version_, expect(UNSUBACK));
  if (a.packet_id != id) throw std::runtime_error("UNSUBACK packet id mismatch");
  return a;
}

void RawClient::ack(std::uint8_t type, std::uint16_t packet_id, std::uint8_t reason) {
  send(encode_ack(version_, type, packet_id, reason));
}

void RawClient::publish_and_wait(const std::string& topic, const std::string& payload, int qos,
                                 bool retain, const Properties& props) {
  std::uint16_t id = qos > 0 ? next_id() : 0;
  publish(topic, payload, qos, retain, id, props);
  if (qos == 1) {
    Ack a = decode_ack(version_, expect(PUBACK));
    if (a.packet_id != id) throw std::runtime_error("PUBACK packet id mismatch");
  } else if (qos == 2) {
    Ack a = decode_ack(version_, expect(PUBREC));
    if (a.packet_id != id) throw std::runtime_error("PUBREC packet id mismatch");
    ack(PUBREL, id);
    Ack c = decode_ack(version_, expect(PUBCOMP));
    if (c.packet_id != id) throw std::runtime_error("PUBCOMP packet id mismatch");
  }
}

void RawClient::disconnect(std::uint8_t reason, const Properties& props) {
  send(encode_disconnect(version_, reason, props));
  if (fd_ >= 0) {
    // Half-close and drain until the broker closes too: closing with unread data would send
    // an RST, which could make the broker see a network error instead of the DISCONNECT.
    ::shutdown(fd_, SHUT_WR);
    wait_closed(2s);
    ::close(fd_);
    fd_ = -1;
  }
}

void RawClient::drop(bool reset) {
  if (fd_ < 0) return;
  if (reset) {
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  ::close(fd_);
  fd_ = -1;
}

}  // namespace accord::it
