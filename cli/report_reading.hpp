// Reading JSON reports back (the baseline of `smh check`, the reports `smh
// tune` ranks): parsing with a positioned syntax error ("file:line:col:
// message"), and members of an expected type, whose absence or wrong type
// throws ReportShapeError with the JSON path ("$.traces[0].policies").
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace smh::cli {

// A report of the wrong shape: where, and what was expected there.
struct ReportShapeError {
  std::string path;
  std::string message;
};

// Parses `text`; false with *error "file:line:col: message" (syntax) or
// "file: not a readable report: ..." (a number out of range).
bool parse_report_text(const std::string& text, const std::string& file_name, nlohmann::ordered_json* out,
                       std::string* error);

// 1-based line and column (in UTF-8 code points) of a byte offset.
std::string position_of(const std::string& text, std::size_t byte_offset);

const nlohmann::ordered_json& member(const nlohmann::ordered_json& object, const std::string& path, const char* key);
const nlohmann::ordered_json& array_member(const nlohmann::ordered_json& object, const std::string& path,
                                           const char* key);
std::string string_member(const nlohmann::ordered_json& object, const std::string& path, const char* key);
std::uint64_t count_member(const nlohmann::ordered_json& object, const std::string& path, const char* key);
double number_member(const nlohmann::ordered_json& object, const std::string& path, const char* key);

}  // namespace smh::cli
