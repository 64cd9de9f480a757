#include "report_reading.hpp"

namespace smh::cli {

using Json = nlohmann::ordered_json;

bool parse_report_text(const std::string& text, const std::string& file_name, Json* out, std::string* error) {
  try {
    *out = Json::parse(text);
    return true;
  } catch (const Json::parse_error& failure) {
    // nlohmann counts bytes from 1 and points just past the offending one.
    const std::size_t offset = failure.byte == 0 ? 0 : failure.byte - 1;
    std::string message = failure.what();
    if (const std::size_t colon = message.rfind(": "); colon != std::string::npos) {
      message = message.substr(colon + 2);
    }
    *error = file_name + ":" + position_of(text, offset) + ": " + message;
  } catch (const Json::exception& failure) {  // e.g. a number out of range (1e999)
    *error = file_name + ": not a readable report: " + failure.what();
  }
  return false;
}

std::string position_of(const std::string& text, std::size_t byte_offset) {
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < byte_offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column;
    }
  }
  return std::to_string(line) + ":" + std::to_string(column);
}

const Json& member(const Json& object, const std::string& path, const char* key) {
  if (!object.is_object() || !object.contains(key)) {
    throw ReportShapeError{path, std::string("missing \"") + key + "\""};
  }
  return object.at(key);
}

const Json& array_member(const Json& object, const std::string& path, const char* key) {
  const Json& value = member(object, path, key);
  if (!value.is_array()) {
    throw ReportShapeError{path + "." + key, "expected an array"};
  }
  return value;
}

std::string string_member(const Json& object, const std::string& path, const char* key) {
  const Json& value = member(object, path, key);
  if (!value.is_string()) {
    throw ReportShapeError{path + "." + key, "expected a string"};
  }
  return value.get<std::string>();
}

std::uint64_t count_member(const Json& object, const std::string& path, const char* key) {
  const Json& value = member(object, path, key);
  if (!value.is_number_unsigned() && !(value.is_number_integer() && value.get<std::int64_t>() >= 0)) {
    throw ReportShapeError{path + "." + key, "expected a non-negative integer"};
  }
  return value.get<std::uint64_t>();
}

double number_member(const Json& object, const std::string& path, const char* key) {
  const Json& value = member(object, path, key);
  if (!value.is_number()) {
    throw ReportShapeError{path + "." + key, "expected a number"};
  }
  return value.get<double>();
}

}  // namespace smh::cli
