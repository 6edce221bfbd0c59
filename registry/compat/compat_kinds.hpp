// The stable identifiers the JSON Schema checker puts in Incompatibility::kind. Clients and
// docs match on these strings; never rename one, only add.
#pragma once

#include <string_view>

namespace accord::compat {

namespace kind {
inline constexpr std::string_view kFalseSchema = "FALSE_SCHEMA";
inline constexpr std::string_view kTypeChanged = "TYPE_CHANGED";
inline constexpr std::string_view kTypeNarrowed = "TYPE_NARROWED";
inline constexpr std::string_view kConstAdded = "CONST_ADDED";
inline constexpr std::string_view kConstChanged = "CONST_CHANGED";
inline constexpr std::string_view kEnumAdded = "ENUM_ADDED";
inline constexpr std::string_view kEnumNarrowed = "ENUM_NARROWED";
inline constexpr std::string_view kValueRejected = "VALUE_REJECTED";
inline constexpr std::string_view kMinimumAdded = "MINIMUM_ADDED";
inline constexpr std::string_view kMinimumIncreased = "MINIMUM_INCREASED";
inline constexpr std::string_view kMaximumAdded = "MAXIMUM_ADDED";
inline constexpr std::string_view kMaximumDecreased = "MAXIMUM_DECREASED";
inline constexpr std::string_view kMultipleOfAdded = "MULTIPLE_OF_ADDED";
inline constexpr std::string_view kMultipleOfChanged = "MULTIPLE_OF_CHANGED";
inline constexpr std::string_view kMinLengthIncreased = "MIN_LENGTH_INCREASED";
inline constexpr std::string_view kMaxLengthAdded = "MAX_LENGTH_ADDED";
inline constexpr std::string_view kMaxLengthDecreased = "MAX_LENGTH_DECREASED";
inline constexpr std::string_view kPatternAdded = "PATTERN_ADDED";
inline constexpr std::string_view kPatternChanged = "PATTERN_CHANGED";
inline constexpr std::string_view kFormatAdded = "FORMAT_ADDED";
inline constexpr std::string_view kFormatChanged = "FORMAT_CHANGED";
inline constexpr std::string_view kContentEncodingChanged = "CONTENT_ENCODING_CHANGED";
inline constexpr std::string_view kContentMediaTypeChanged = "CONTENT_MEDIA_TYPE_CHANGED";
inline constexpr std::string_view kContentSchemaChanged = "CONTENT_SCHEMA_CHANGED";
inline constexpr std::string_view kPropertyNotAllowed = "PROPERTY_NOT_ALLOWED";
inline constexpr std::string_view kContentModelClosed = "CONTENT_MODEL_CLOSED";
inline constexpr std::string_view kPropertyAddedToOpenContentModel =
    "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL";
inline constexpr std::string_view kRequiredAdded = "REQUIRED_ADDED";
inline constexpr std::string_view kMinPropertiesIncreased = "MIN_PROPERTIES_INCREASED";
inline constexpr std::string_view kMaxPropertiesAdded = "MAX_PROPERTIES_ADDED";
inline constexpr std::string_view kMaxPropertiesDecreased = "MAX_PROPERTIES_DECREASED";
inline constexpr std::string_view kPropertyNameRejected = "PROPERTY_NAME_REJECTED";
inline constexpr std::string_view kDependentRequiredAdded = "DEPENDENT_REQUIRED_ADDED";
inline constexpr std::string_view kItemNotAllowed = "ITEM_NOT_ALLOWED";
inline constexpr std::string_view kMinItemsIncreased = "MIN_ITEMS_INCREASED";
inline constexpr std::string_view kMaxItemsAdded = "MAX_ITEMS_ADDED";
inline constexpr std::string_view kMaxItemsDecreased = "MAX_ITEMS_DECREASED";
inline constexpr std::string_view kUniqueItemsAdded = "UNIQUE_ITEMS_ADDED";
inline constexpr std::string_view kContainsAdded = "CONTAINS_ADDED";
inline constexpr std::string_view kContainsChanged = "CONTAINS_CHANGED";
inline constexpr std::string_view kMinContainsIncreased = "MIN_CONTAINS_INCREASED";
inline constexpr std::string_view kMaxContainsAdded = "MAX_CONTAINS_ADDED";
inline constexpr std::string_view kMaxContainsDecreased = "MAX_CONTAINS_DECREASED";
inline constexpr std::string_view kAnyOfNoMatch = "ANY_OF_NO_MATCH";
inline constexpr std::string_view kOneOfNoMatch = "ONE_OF_NO_MATCH";
inline constexpr std::string_view kOneOfAmbiguous = "ONE_OF_AMBIGUOUS";
inline constexpr std::string_view kNotAdded = "NOT_ADDED";
inline constexpr std::string_view kNotChanged = "NOT_CHANGED";
inline constexpr std::string_view kConditionalAdded = "CONDITIONAL_ADDED";
inline constexpr std::string_view kConditionalChanged = "CONDITIONAL_CHANGED";
inline constexpr std::string_view kUnresolvedRef = "UNRESOLVED_REF";
inline constexpr std::string_view kTooComplex = "TOO_COMPLEX";
inline constexpr std::string_view kCheckFailed = "CHECK_FAILED";
}  // namespace kind

}  // namespace accord::compat
