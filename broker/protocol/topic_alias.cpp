#include "broker/protocol/topic_alias.hpp"

#include <functional>
#include <unordered_map>

namespace accord::protocol {

InboundTopicAliases::InboundTopicAliases(std::uint16_t maximum) : maximum_(maximum) {}

InboundTopicAliases::Resolution InboundTopicAliases::resolve(std::string_view topic,
                                                             std::optional<std::uint16_t> alias) {
  if (!alias) {
    // Only an alias can stand in for the topic (spec 3.3.2.1).
    if (topic.empty()) return {{}, mqtt::ReasonCode::ProtocolError};
    return {std::string(topic), std::nullopt};
  }
  const std::uint16_t a = *alias;
  if (a == 0 || a > maximum_) return {{}, mqtt::ReasonCode::TopicAliasInvalid};
  const std::size_t index = a - 1U;
  if (!topic.empty()) {
    if (topics_.size() <= index) topics_.resize(index + 1);
    topics_[index].assign(topic);
    return {std::string(topic), std::nullopt};
  }
  if (index >= topics_.size() || topics_[index].empty()) {
    // Valid topics are never empty, so an empty slot means "never bound".
    return {{}, mqtt::ReasonCode::ProtocolError};
  }
  return {topics_[index], std::nullopt};
}

namespace {
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};
constexpr std::uint16_t kNone = 0;  // aliases start at 1, so 0 ends the LRU list
}  // namespace

// Slots form a doubly linked list by alias number, most recently used at the head, so both a
// hit and an eviction are O(1) whatever the client's maximum.
struct OutboundTopicAliases::State {
  struct Slot {
    std::string topic;
    std::uint16_t prev = kNone;
    std::uint16_t next = kNone;
  };
  std::vector<Slot> slots;  // index alias-1
  std::unordered_map<std::string, std::uint16_t, StringHash, std::equal_to<>> by_topic;
  std::uint16_t head = kNone;
  std::uint16_t tail = kNone;

  Slot& slot(std::uint16_t alias) { return slots[alias - 1U]; }

  void unlink(std::uint16_t a) {
    Slot& s = slot(a);
    if (s.prev != kNone)
      slot(s.prev).next = s.next;
    else
      head = s.next;
    if (s.next != kNone)
      slot(s.next).prev = s.prev;
    else
      tail = s.prev;
    s.prev = s.next = kNone;
  }
  void push_front(std::uint16_t a) {
    Slot& s = slot(a);
    s.prev = kNone;
    s.next = head;
    if (head != kNone) slot(head).prev = a;
    head = a;
    if (tail == kNone) tail = a;
  }
};

OutboundTopicAliases::OutboundTopicAliases(std::uint16_t client_maximum)
    : maximum_(client_maximum) {}

OutboundTopicAliases::OutboundTopicAliases(const OutboundTopicAliases& other)
    : state_(other.state_ ? std::make_unique<State>(*other.state_) : nullptr),
      maximum_(other.maximum_) {}

OutboundTopicAliases& OutboundTopicAliases::operator=(const OutboundTopicAliases& other) {
  if (this != &other) *this = OutboundTopicAliases(other);
  return *this;
}

OutboundTopicAliases::OutboundTopicAliases(OutboundTopicAliases&&) noexcept = default;
OutboundTopicAliases& OutboundTopicAliases::operator=(OutboundTopicAliases&&) noexcept = default;
OutboundTopicAliases::~OutboundTopicAliases() = default;

std::size_t OutboundTopicAliases::bound() const {
  return state_ ? state_->slots.size() : 0;
}

std::optional<OutboundTopicAliases::Choice> OutboundTopicAliases::choose(std::string_view topic) {
  if (maximum_ == 0) return std::nullopt;
  if (!state_) state_ = std::make_unique<State>();
  State& st = *state_;
  if (auto it = st.by_topic.find(topic); it != st.by_topic.end()) {
    const std::uint16_t a = it->second;
    if (st.head != a) {
      st.unlink(a);
      st.push_front(a);
    }
    return Choice{a, false};
  }
  std::uint16_t a;
  if (st.slots.size() < maximum_) {
    st.slots.emplace_back();
    a = static_cast<std::uint16_t>(st.slots.size());
  } else {
    a = st.tail;
    st.unlink(a);
    st.by_topic.erase(st.slot(a).topic);
  }
  st.slot(a).topic.assign(topic);
  st.by_topic.emplace(st.slot(a).topic, a);
  st.push_front(a);
  return Choice{a, true};
}

}  // namespace accord::protocol
