// Sample packets with every field populated, shared by the codec round-trip tests and the
// generator of the fuzzer's seed corpus.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "broker/codec/packets.hpp"

namespace accord::mqtt::testing {

using NamedPacket = std::pair<std::string, Packet>;

inline Properties will_properties_v5() {
  Properties p;
  p.payload_format_indicator = 1;
  p.message_expiry_interval = 600;
  p.content_type = "application/json";
  p.response_topic = "replies/dev-1";
  p.correlation_data = std::string("\x00\x01\xFF", 3);
  p.will_delay_interval = 30;
  p.user_properties = {{"k", "v"}, {"k", "v2"}};
  return p;
}

inline std::vector<NamedPacket> sample_packets_v5() {
  std::vector<NamedPacket> out;

  Connect c;
  c.version = ProtocolVersion::v5;
  c.clean_start = false;
  c.keep_alive = 30;
  c.client_id = "dev-1";
  c.will =
      Will{"devices/dev-1/status", std::string("off\x00line", 8), 1, true, will_properties_v5()};
  c.username = "user";
  c.password = std::string("p\x00ss", 4);
  c.properties.session_expiry_interval = 3600;
  c.properties.authentication_method = "SCRAM-SHA-1";
  c.properties.authentication_data = std::string("\x00\x10", 2);
  c.properties.request_problem_information = 0;
  c.properties.request_response_information = 1;
  c.properties.receive_maximum = 100;
  c.properties.topic_alias_maximum = 10;
  c.properties.maximum_packet_size = 1 << 20;
  c.properties.user_properties = {{"region", "eu"}, {"\xC3\xA9t\xC3\xA9", "\xE2\x82\xAC"}};
  out.emplace_back("connect", c);

  Connect minimal;
  minimal.version = ProtocolVersion::v5;
  minimal.client_id = "";
  minimal.password = "secret";  // MQTT 5 allows a password without a user name
  out.emplace_back("connect_password_only", minimal);

  Connack ca;
  ca.session_present = true;
  ca.properties.session_expiry_interval = 120;
  ca.properties.assigned_client_identifier = "auto-1";
  ca.properties.server_keep_alive = 45;
  ca.properties.authentication_method = "SCRAM-SHA-1";
  ca.properties.authentication_data = "final";
  ca.properties.response_information = "resp/";
  ca.properties.server_reference = "other:1883";
  ca.properties.reason_string = "welcome";
  ca.properties.receive_maximum = 20;
  ca.properties.topic_alias_maximum = 5;
  ca.properties.maximum_qos = 1;
  ca.properties.retain_available = 0;
  ca.properties.user_properties = {{"a", "b"}};
  ca.properties.maximum_packet_size = 65536;
  ca.properties.wildcard_subscription_available = 1;
  ca.properties.subscription_identifier_available = 0;
  ca.properties.shared_subscription_available = 1;
  out.emplace_back("connack", ca);

  Connack refused;
  refused.reason_code = 0x85;
  refused.properties.reason_string = "bad id";
  out.emplace_back("connack_refused", refused);

  Publish pub;
  pub.qos = 1;
  pub.retain = true;
  pub.dup = true;
  pub.topic = "sensors/t\xC3\xA9mp/1";
  pub.packet_id = 7;
  pub.properties.payload_format_indicator = 1;
  pub.properties.message_expiry_interval = 10;
  pub.properties.content_type = "application/cloudevents+json";
  pub.properties.response_topic = "replies/1";
  pub.properties.correlation_data = std::string("\x00\x01", 2);
  pub.properties.subscription_identifiers = {1, 268'435'455};
  pub.properties.topic_alias = 3;
  pub.properties.user_properties = {{"ce_type", "com.example.t"}, {"ce_id", "1"}};
  pub.payload = std::string("{\"t\":21.5}\x00\xFF", 12);
  out.emplace_back("publish", pub);

  Publish alias_only;
  alias_only.topic = "";
  alias_only.properties.topic_alias = 3;
  alias_only.payload = "x";
  out.emplace_back("publish_alias_only", alias_only);

  Publish q2;
  q2.qos = 2;
  q2.topic = "a";
  q2.packet_id = 65535;
  out.emplace_back("publish_qos2_empty_payload", q2);

  Properties ack_props;
  ack_props.reason_string = "quota";
  ack_props.user_properties = {{"x", "y"}};
  out.emplace_back("puback", Puback{1, 0x97, ack_props});
  out.emplace_back("puback_short", Puback{2, 0, {}});
  out.emplace_back("puback_reason_only", Puback{3, 0x10, {}});
  out.emplace_back("pubrec", Pubrec{4, 0x80, ack_props});
  out.emplace_back("pubrel", Pubrel{5, 0x92, ack_props});
  out.emplace_back("pubcomp", Pubcomp{6, 0, ack_props});

  Subscribe sub;
  sub.packet_id = 9;
  sub.properties.subscription_identifiers = {42};
  sub.properties.user_properties = {{"u", "1"}};
  sub.subscriptions = {
      {"sensors/+/temp", {2, true, true, 2}},
      {"$share/group/a/#", {1, false, false, 1}},
      {"#", {0, false, true, 0}},
  };
  out.emplace_back("subscribe", sub);

  Suback sa;
  sa.packet_id = 9;
  sa.properties.reason_string = "partly";
  sa.reason_codes = {0x02, 0x01, 0x8F, 0xA2};
  out.emplace_back("suback", sa);

  Unsubscribe un;
  un.packet_id = 10;
  un.properties.user_properties = {{"why", "done"}};
  un.filters = {"sensors/+/temp", "$share/group/a/#"};
  out.emplace_back("unsubscribe", un);

  Unsuback ua;
  ua.packet_id = 10;
  ua.properties.reason_string = "ok";
  ua.reason_codes = {0x00, 0x11};
  out.emplace_back("unsuback", ua);

  out.emplace_back("pingreq", Pingreq{});
  out.emplace_back("pingresp", Pingresp{});

  Disconnect d;
  d.reason_code = 0x04;
  d.properties.session_expiry_interval = 0;
  d.properties.reason_string = "bye";
  d.properties.server_reference = "b:1883";
  d.properties.user_properties = {{"k", "v"}};
  out.emplace_back("disconnect", d);
  out.emplace_back("disconnect_short", Disconnect{});
  out.emplace_back("disconnect_reason_only", Disconnect{0x8E, {}});

  Auth a;
  a.reason_code = 0x18;
  a.properties.authentication_method = "SCRAM-SHA-1";
  a.properties.authentication_data = std::string("\x01\x02\x00", 3);
  a.properties.reason_string = "continue";
  a.properties.user_properties = {{"n", "1"}};
  out.emplace_back("auth", a);
  out.emplace_back("auth_short", Auth{});
  out.emplace_back("auth_reason_no_props", Auth{0x19, {}});
  return out;
}

inline std::vector<NamedPacket> sample_packets_v311() {
  std::vector<NamedPacket> out;
  Connect c;
  c.version = ProtocolVersion::v311;
  c.clean_start = true;
  c.keep_alive = 0;
  c.client_id = "dev-1";
  c.will = Will{"devices/dev-1/status", "offline", 2, false, {}};
  c.username = "user";
  c.password = std::string("p\x00ss", 4);
  out.emplace_back("connect", c);

  Connect empty_id;
  empty_id.client_id = "";
  out.emplace_back("connect_empty_client_id", empty_id);

  out.emplace_back("connack", Connack{true, 0, {}});
  out.emplace_back("connack_refused", Connack{false, 5, {}});

  Publish pub;
  pub.qos = 2;
  pub.dup = true;
  pub.retain = true;
  pub.topic = "a/b/c";
  pub.packet_id = 300;
  pub.payload = std::string("\x00\x01\x02", 3);
  out.emplace_back("publish", pub);
  Publish q0;
  q0.topic = "$SYS/x";
  q0.payload = "hello";
  out.emplace_back("publish_qos0", q0);

  out.emplace_back("puback", Puback{1, 0, {}});
  out.emplace_back("pubrec", Pubrec{2, 0, {}});
  out.emplace_back("pubrel", Pubrel{3, 0, {}});
  out.emplace_back("pubcomp", Pubcomp{4, 0, {}});

  Subscribe sub;
  sub.packet_id = 5;
  sub.subscriptions = {{"a/+", {0}}, {"b/#", {1}}, {"c", {2}}};
  out.emplace_back("subscribe", sub);
  out.emplace_back("suback", Suback{5, {}, {0, 1, 2, 0x80}});
  out.emplace_back("unsubscribe", Unsubscribe{6, {}, {"a/+", "b/#"}});
  out.emplace_back("unsuback", Unsuback{6, {}, {}});
  out.emplace_back("pingreq", Pingreq{});
  out.emplace_back("pingresp", Pingresp{});
  out.emplace_back("disconnect", Disconnect{});
  return out;
}

inline std::vector<NamedPacket> sample_packets_v31() {
  std::vector<NamedPacket> out;
  Connect c;
  c.version = ProtocolVersion::v31;
  c.client_id = "legacy-client";
  c.keep_alive = 10;
  c.will = Will{"w", "gone", 1, true, {}};
  c.username = "u";
  c.password = "p";
  out.emplace_back("connect", c);
  Subscribe sub;
  sub.packet_id = 1;
  sub.subscriptions = {{"a/#", {1}}};
  out.emplace_back("subscribe", sub);
  return out;
}

}  // namespace accord::mqtt::testing
