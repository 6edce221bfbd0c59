#include "broker/core/message.hpp"

#include "broker/codec/codec.hpp"

namespace accord::core {

std::optional<std::uint32_t> Message::remaining_expiry(Clock::time_point now) const {
  if (!expires_at) return std::nullopt;
  if (*expires_at <= now) return 0u;
  auto left = std::chrono::ceil<std::chrono::seconds>(*expires_at - now).count();
  return static_cast<std::uint32_t>(left);
}

namespace {
bool has_shared_properties(const mqtt::Properties& p) {
  return p.payload_format_indicator || p.content_type || p.response_topic || p.correlation_data ||
         !p.user_properties.empty();
}
}  // namespace

MessagePtr make_message(std::string topic, std::string payload, std::uint8_t qos, bool retain,
                        const mqtt::Properties& props, Clock::time_point now,
                        const void* origin) {
  auto m = std::make_shared<Message>();
  m->topic = std::move(topic);
  m->payload = std::move(payload);
  if (has_shared_properties(props)) m->shared_properties = mqtt::encode_shared_publish_properties(props);
  m->qos = qos;
  m->retain = retain;
  if (props.message_expiry_interval) {
    m->expires_at = now + std::chrono::seconds(*props.message_expiry_interval);
  }
  m->origin = origin;
  return m;
}

}  // namespace accord::core
