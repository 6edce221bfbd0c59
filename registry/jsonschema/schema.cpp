// Schema: the public face. Compilation glue, and the per-thread parser that keeps is_valid()
// free of allocations in the steady state.
#include <utility>

#include "registry/jsonschema/compiler.hpp"
#include "registry/jsonschema/documents.hpp"
#include "registry/jsonschema/evaluator.hpp"
#include "registry/jsonschema/json_text.hpp"
#include "registry/jsonschema/jsonschema.hpp"
#include "registry/jsonschema/program.hpp"

namespace accord::jsonschema {
namespace {

// One parser per thread: validation never shares mutable state between threads, and the
// parser's buffers are reused from call to call.
detail::TextParser& thread_parser() {
  thread_local detail::TextParser parser;
  return parser;
}

std::string parse_error_message(simdjson::error_code error, std::size_t max_depth) {
  if (error == simdjson::DEPTH_ERROR) {
    return "document nesting exceeds " + std::to_string(max_depth);
  }
  return std::string("not valid JSON: ") + simdjson::error_message(error);
}

}  // namespace

Schema::Schema(std::unique_ptr<const detail::Program> program) : program_(std::move(program)) {}
Schema::~Schema() = default;

std::variant<std::shared_ptr<const Schema>, CompileError> Schema::compile(
    std::string_view schema_json, const Options& options) {
  try {
    auto program = std::make_unique<detail::Program>();
    detail::DocumentSet documents(options);
    const detail::SchemaSite& root = documents.load_root(schema_json);
    detail::Compiler compiler(documents, options, *program);
    compiler.compile(root);
    program->draft = root.dialect.draft;
    program->max_document_depth = options.max_document_depth;
    program->documents = documents.take_documents();
    return std::shared_ptr<const Schema>(new Schema(std::move(program)));
  } catch (const detail::CompileFailure& failure) {
    return failure.error();
  }
}

bool Schema::is_valid(std::string_view json) const {
  simdjson::dom::element root;
  if (thread_parser().parse(json, program_->max_document_depth, root)) return false;
  return is_valid(root);
}

bool Schema::is_valid(const simdjson::dom::element& document) const {
  detail::Evaluator evaluator(*program_, nullptr);
  return evaluator.run(document);
}

std::vector<Error> Schema::validate(std::string_view json, std::size_t max_errors) const {
  simdjson::dom::element root;
  if (const auto error = thread_parser().parse(json, program_->max_document_depth, root)) {
    return {Error{"", "", parse_error_message(error, program_->max_document_depth), ""}};
  }
  return validate(root, max_errors);
}

std::vector<Error> Schema::validate(const simdjson::dom::element& document,
                                    std::size_t max_errors) const {
  std::vector<Error> errors;
  detail::ErrorSink sink(errors, max_errors);
  detail::Evaluator evaluator(*program_, &sink);
  evaluator.run(document);
  return errors;
}

Draft Schema::draft() const {
  return program_->draft;
}

}  // namespace accord::jsonschema
