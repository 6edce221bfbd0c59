#include "registry/compat/json_schema_compat.hpp"

#include <exception>

#include "registry/compat/compat_checker.hpp"

namespace accord::compat {

Incompatibilities check_json_schema(const boost::json::value& reader,
                                    const boost::json::value& writer, const JsonRefLoader& loader) {
  try {
    SchemaSet schemas(loader);
    const Node reader_root = schemas.add_document(reader);
    const Node writer_root = schemas.add_document(writer);
    CompatChecker checker(schemas);
    checker.compare(reader_root, WriterSet{{writer_root}, {}});
    return checker.finish();
  } catch (const std::exception& error) {
    // Only allocation failure or a checker bug gets here. The registry must still answer, and
    // "incompatible" is the answer that cannot let a breaking schema through.
    return {Incompatibility{"", std::string(kind::kCheckFailed),
                            std::string("the compatibility check failed (") + error.what() +
                                "), so the schemas are treated as incompatible"}};
  }
}

}  // namespace accord::compat
