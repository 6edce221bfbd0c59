#include "broker/store/record_codec.hpp"

#include "accord/store/v1/records.pb.h"

namespace accord::store::detail {
namespace pb = accord::store::v1;

namespace {

void to_pb(const MessageRecord& m, pb::MessageRecord& p) {
  p.set_id(m.id);
  p.set_topic(m.topic);
  p.set_payload(m.payload);
  p.set_shared_properties(m.shared_properties);
  p.set_qos(m.qos);
  p.set_retain(m.retain);
  if (m.expires_at) p.set_expires_at_ms(*m.expires_at);
}

void from_pb(const pb::MessageRecord& p, MessageRecord& m) {
  m.id = p.id();
  m.topic = p.topic();
  m.payload = p.payload();
  m.shared_properties = p.shared_properties();
  m.qos = static_cast<std::uint8_t>(p.qos());
  m.retain = p.retain();
  m.expires_at =
      p.has_expires_at_ms() ? std::optional<UnixMillis>(p.expires_at_ms()) : std::nullopt;
}

template <class T>
std::string serialize(const T& p) {
  std::string out;
  p.SerializeToString(&out);
  return out;
}

template <class T>
bool parse(std::string_view bytes, T& p) {
  return p.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

}  // namespace

std::string encode_message(const MessageRecord& m) {
  pb::MessageRecord p;
  to_pb(m, p);
  return serialize(p);
}

bool decode_message(std::string_view bytes, MessageRecord& out) {
  pb::MessageRecord p;
  if (!parse(bytes, p)) return false;
  from_pb(p, out);
  return true;
}

std::string encode_session(const SessionRecord& s) {
  pb::SessionRecord p;
  p.set_client_id(s.client_id);
  p.set_expiry_interval_s(s.expiry_interval);
  if (s.expires_at) p.set_expires_at_ms(*s.expires_at);
  for (const auto& sub : s.subscriptions) {
    auto* ps = p.add_subscriptions();
    ps->set_filter(sub.filter);
    ps->set_max_qos(sub.options.max_qos);
    ps->set_no_local(sub.options.no_local);
    ps->set_retain_as_published(sub.options.retain_as_published);
    ps->set_retain_handling(sub.options.retain_handling);
    ps->set_subscription_id(sub.subscription_id);
  }
  if (s.will) {
    auto* w = p.mutable_will();
    w->set_topic(s.will->topic);
    w->set_payload(s.will->payload);
    w->set_qos(s.will->qos);
    w->set_retain(s.will->retain);
    const auto& props = s.will->properties;
    auto* wp = w->mutable_properties();
    if (props.will_delay_interval) wp->set_will_delay_interval_s(*props.will_delay_interval);
    if (props.payload_format_indicator)
      wp->set_payload_format_indicator(*props.payload_format_indicator);
    if (props.message_expiry_interval)
      wp->set_message_expiry_interval_s(*props.message_expiry_interval);
    if (props.content_type) wp->set_content_type(*props.content_type);
    if (props.response_topic) wp->set_response_topic(*props.response_topic);
    if (props.correlation_data) wp->set_correlation_data(*props.correlation_data);
    for (const auto& up : props.user_properties) {
      auto* u = wp->add_user_properties();
      u->set_key(up.key);
      u->set_value(up.value);
    }
  }
  if (s.will_due) p.set_will_due_ms(*s.will_due);
  return serialize(p);
}

bool decode_session(std::string_view bytes, SessionRecord& out) {
  pb::SessionRecord p;
  if (!parse(bytes, p)) return false;
  out = SessionRecord{};
  out.client_id = p.client_id();
  out.expiry_interval = p.expiry_interval_s();
  if (p.has_expires_at_ms()) out.expires_at = p.expires_at_ms();
  out.subscriptions.reserve(static_cast<std::size_t>(p.subscriptions_size()));
  for (const auto& ps : p.subscriptions()) {
    SubscriptionRecord sub;
    sub.filter = ps.filter();
    sub.options.max_qos = static_cast<std::uint8_t>(ps.max_qos());
    sub.options.no_local = ps.no_local();
    sub.options.retain_as_published = ps.retain_as_published();
    sub.options.retain_handling = static_cast<std::uint8_t>(ps.retain_handling());
    sub.subscription_id = ps.subscription_id();
    out.subscriptions.push_back(std::move(sub));
  }
  if (p.has_will()) {
    const auto& w = p.will();
    mqtt::Will will;
    will.topic = w.topic();
    will.payload = w.payload();
    will.qos = static_cast<std::uint8_t>(w.qos());
    will.retain = w.retain();
    const auto& wp = w.properties();
    auto& props = will.properties;
    if (wp.has_will_delay_interval_s()) props.will_delay_interval = wp.will_delay_interval_s();
    if (wp.has_payload_format_indicator())
      props.payload_format_indicator = static_cast<std::uint8_t>(wp.payload_format_indicator());
    if (wp.has_message_expiry_interval_s())
      props.message_expiry_interval = wp.message_expiry_interval_s();
    if (wp.has_content_type()) props.content_type = wp.content_type();
    if (wp.has_response_topic()) props.response_topic = wp.response_topic();
    if (wp.has_correlation_data()) props.correlation_data = wp.correlation_data();
    for (const auto& u : wp.user_properties())
      props.user_properties.push_back({u.key(), u.value()});
    out.will = std::move(will);
  }
  if (p.has_will_due_ms()) out.will_due = p.will_due_ms();
  return true;
}

std::string encode_queue_entry(const QueueEntry& e) {
  pb::QueueEntry p;
  p.set_client_id(e.client_id);
  p.set_seq(e.seq);
  p.set_message_id(e.message_id);
  p.set_qos(e.qos);
  p.set_retain(e.retain);
  for (auto id : e.subscription_ids) p.add_subscription_ids(id);
  p.set_packet_id(e.packet_id);
  p.set_state(static_cast<pb::QueueState>(e.state));
  return serialize(p);
}

bool decode_queue_entry(std::string_view bytes, QueueEntry& out) {
  pb::QueueEntry p;
  if (!parse(bytes, p)) return false;
  if (p.state() < pb::QUEUE_STATE_QUEUED || p.state() > pb::QUEUE_STATE_AWAITING_PUBCOMP)
    return false;
  out.client_id = p.client_id();
  out.seq = p.seq();
  out.message_id = p.message_id();
  out.qos = static_cast<std::uint8_t>(p.qos());
  out.retain = p.retain();
  out.subscription_ids.assign(p.subscription_ids().begin(), p.subscription_ids().end());
  out.packet_id = static_cast<std::uint16_t>(p.packet_id());
  out.state = static_cast<QueueState>(p.state());
  return true;
}

std::string encode_inbound_qos2(std::string_view client_id, std::uint16_t packet_id) {
  pb::InboundQos2 p;
  p.set_client_id(std::string(client_id));
  p.set_packet_id(packet_id);
  return serialize(p);
}

std::string encode_database_info(const DatabaseInfo& info) {
  pb::DatabaseInfo p;
  p.set_magic(info.magic);
  p.set_format_version(info.format_version);
  p.set_created_by(info.created_by);
  p.set_created_at_ms(info.created_at);
  return serialize(p);
}

bool decode_database_info(std::string_view bytes, DatabaseInfo& out) {
  pb::DatabaseInfo p;
  if (!parse(bytes, p)) return false;
  out.magic = p.magic();
  out.format_version = p.format_version();
  out.created_by = p.created_by();
  out.created_at = p.created_at_ms();
  return true;
}

void append_u16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xFF));
}

void append_u64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

std::uint64_t read_u64(std::string_view b) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(b[i]);
  return v;
}

std::uint16_t read_u16(std::string_view b) {
  return static_cast<std::uint16_t>((static_cast<unsigned char>(b[0]) << 8) |
                                    static_cast<unsigned char>(b[1]));
}

std::string client_prefix(std::string_view client_id) {
  std::string k;
  k.reserve(2 + client_id.size() + 8);
  append_u16(k, static_cast<std::uint16_t>(client_id.size()));
  k.append(client_id);
  return k;
}

std::string client_prefix_end(std::string_view client_id) {
  std::string k = client_prefix(client_id);
  k.append(9, '\xFF');
  return k;
}

std::string queue_key(std::string_view client_id, std::uint64_t seq) {
  std::string k = client_prefix(client_id);
  append_u64(k, seq);
  return k;
}

std::string inbound_key(std::string_view client_id, std::uint16_t packet_id) {
  std::string k = client_prefix(client_id);
  append_u16(k, packet_id);
  return k;
}

std::string message_key(std::uint64_t id) {
  std::string k;
  append_u64(k, id);
  return k;
}

bool split_client_key(std::string_view key, std::string_view& client_id, std::string_view& rest) {
  if (key.size() < 2) return false;
  std::size_t len = read_u16(key);
  if (key.size() < 2 + len) return false;
  client_id = key.substr(2, len);
  rest = key.substr(2 + len);
  return true;
}

}  // namespace accord::store::detail
