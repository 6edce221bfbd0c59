// libFuzzer harness for the JSON Schema compiler and validator (registry/jsonschema).
//
// Input: schema text, a NUL byte, document text (no NUL: the whole input is the schema and the
// document is empty). The schema is compiled with small nesting limits and format assertion on;
// when it compiles, the document is checked with both entry points, which must agree:
// is_valid(doc) == validate(doc).empty(). Disagreement is a bug in the module: abort().
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "registry/jsonschema/jsonschema.hpp"

#include "fuzz_support.hpp"

namespace {

using accord::fuzz::print_escaped;

using namespace accord::jsonschema;

constexpr std::size_t kMaxErrors = 100;

[[noreturn]] void die(const char* what, std::string_view schema, std::string_view document,
                      const std::vector<Error>& errors) {
  std::fprintf(stderr, "jsonschema invariant broken: %s\n", what);
  print_escaped("schema", schema);
  print_escaped("document", document);
  for (const Error& e : errors) {
    std::fprintf(stderr, "  error at \"%s\" (keyword \"%s\", \"%s\"): %s\n",
                 e.instance_location.c_str(), e.keyword_location.c_str(),
                 e.absolute_keyword_location.c_str(), e.message.c_str());
  }
  std::abort();
}

Options fuzz_options() {
  Options options;
  options.default_draft = Draft::Draft2020_12;
  options.format_assertion = true;
  options.max_schema_depth = 64;
  options.max_document_depth = 64;
  // No Resolver: remote references are compile errors. The built-in metaschemas still resolve.
  return options;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string_view schema_text = input.substr(0, nul);
  const std::string_view document =
      nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);

  // Draft 2020-12 unless the schema's `$schema` names draft-07 (some seeds do).
  static const Options options = fuzz_options();
  const auto compiled = Schema::compile(schema_text, options);
  if (const auto* error = std::get_if<CompileError>(&compiled)) {
    if (error->message.empty()) die("CompileError without a message", schema_text, document, {});
    return 0;
  }
  const std::shared_ptr<const Schema>& schema = std::get<std::shared_ptr<const Schema>>(compiled);
  if (!schema) die("compile returned a null schema", schema_text, document, {});

  const bool valid = schema->is_valid(document);
  const std::vector<Error> errors = schema->validate(document, kMaxErrors);
  if (valid != errors.empty()) {
    die(valid ? "is_valid() is true but validate() reports errors"
              : "is_valid() is false but validate() reports no error",
        schema_text, document, errors);
  }
  if (errors.size() > kMaxErrors) die("validate() exceeds max_errors", schema_text, document, errors);
  for (const Error& e : errors) {
    if (e.message.empty()) die("validation error without a message", schema_text, document, errors);
  }
  // Asking for the first error only must not change the verdict.
  if (!valid && schema->validate(document, 1).size() != 1) {
    die("validate(doc, 1) does not report exactly one error", schema_text, document, errors);
  }
  return 0;
}
