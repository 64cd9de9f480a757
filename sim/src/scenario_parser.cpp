// The scenario JSON parser (docs/scenario-format.md). Positions and paths live in
// json_positions.hpp, number text in number_text.hpp, the writer in
// scenario_writer.cpp.
//
// Two passes over the text:
//  1. nlohmann::json parses it (strict: no comments, no trailing content). A
//     syntax error is reported at the byte nlohmann stopped at, as line:column.
//  2. A small scanner walks the (now known valid) text once more and records,
//     for every value, the byte offset where it starts and, for object members,
//     where the key starts, keyed by JSON path ("$.ops[3].size"). Schema errors
//     then point at the offending value, or at the key for unknown keys, or at
//     the enclosing object for missing keys. Duplicate keys: nlohmann keeps the
//     last, and so does the index. The scanner is iterative and refuses nesting
//     deeper than max_depth, so hostile input costs bounded memory.
// Values are read from their text (json_values.hpp over json_scan.hpp), and
// each op by the one op parser (op_json.hpp) that trace lines go through too,
// so the same value or op means the same and fails with the same message in a
// scenario and in a trace.
// Everything is wrapped so that no exception escapes.
#include "smh/sim/scenario_parser.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

#include "json_positions.hpp"
#include "json_scan.hpp"
#include "json_values.hpp"
#include "number_text.hpp"
#include "op_json.hpp"
#include "smh/pool_types.hpp"
#include "smh/sim/bounded_file.hpp"

namespace smh::sim {

std::string ScenarioError::to_string() const {
  std::string out = file;
  if (line != 0) {
    out += ':' + std::to_string(line) + ':' + std::to_string(column);
  }
  out += ": ";
  if (!json_path.empty()) {
    out += json_path + ": ";
  }
  out += message;
  return out;
}

namespace {

using namespace detail;

std::string join(std::initializer_list<std::string_view> names) {
  std::string out;
  for (const std::string_view name : names) {
    if (!out.empty()) {
      out += ", ";
    }
    out += name;
  }
  return out;
}

const std::pair<std::string_view, RegionRole> region_role_names[] = {
    {"any", RegionRole::any}, {"small", RegionRole::small_requests}, {"large", RegionRole::large_requests}};

class Parser {
 public:
  Parser(std::string_view text, std::string_view file, const PositionIndex& index, ScenarioError* error,
         ScenarioUse use)
      : text_(text), json_text_(text), file_(file), index_(index), error_(error), use_(use) {}

  bool scenario(const json& root, Scenario* out) {
    const std::string path = "$";
    if (!expect_object(root, path)) {
      return false;
    }
    // The version first: a newer file's new keys are then reported as such.
    if (!require(root, path, "format_version")) {
      return false;
    }
    std::uint64_t version = 0;
    const std::string version_path = child_path(path, "format_version");
    if (!integer(root.at("format_version"), version_path, std::numeric_limits<std::uint32_t>::max(), &version)) {
      return false;
    }
    if (version != scenario_format_version) {
      return fail_value(version_path, "unsupported format version " + std::to_string(version) +
                                          " (this build reads version " +
                                          std::to_string(scenario_format_version) + ")");
    }
    out->format_version = static_cast<std::uint32_t>(version);
    if (!known_keys(root, path,
                    {"format_version", "name", "description", "seed", "machine", "pool", "faults", "cache_noise_ppm",
                     "ops", "trace", "expect"}) ||
        !require(root, path, "machine")) {
      return false;
    }
    if (use_ == ScenarioUse::run && !root.contains("ops") && !root.contains("trace")) {
      return fail_value(path, "missing required key \"ops\" (or \"trace\")");
    }
    if (root.contains("ops") && root.contains("trace")) {
      return fail_key(child_path(path, "trace"), "\"trace\" and \"ops\" are mutually exclusive");
    }
    if (!optional_string(root, path, "name", &out->name) ||
        !optional_string(root, path, "description", &out->description)) {
      return false;
    }
    if (root.contains("seed") && !number_or_text(root.at("seed"), child_path(path, "seed"), "seed", &out->seed)) {
      return false;
    }
    // The pool before the machine: the mode decides how attributes read.
    if (root.contains("pool") && !pool(root.at("pool"), child_path(path, "pool"), &out->machine.pool)) {
      return false;
    }
    if (!machine(root.at("machine"), child_path(path, "machine"), &out->machine)) {
      return false;
    }
    if (root.contains("faults") && !faults(root.at("faults"), child_path(path, "faults"), out)) {
      return false;
    }
    if (root.contains("cache_noise_ppm")) {
      const std::string noise_path = child_path(path, "cache_noise_ppm");
      std::uint64_t ppm = 0;
      if (!json_integer(root.at("cache_noise_ppm"), noise_path, "cache_noise_ppm", 1'000'000, &ppm)) {
        return false;
      }
      out->cache_noise_ppm = static_cast<std::uint32_t>(ppm);
    }
    if (root.contains("ops") && !ops(root.at("ops"), child_path(path, "ops"), out->machine.pool.mode, &out->ops)) {
      return false;
    }
    if (root.contains("trace")) {
      std::string trace;
      if (!optional_string(root, path, "trace", &trace)) {
        return false;
      }
      if (trace.empty()) {
        return fail_value(child_path(path, "trace"), "trace path must not be empty");
      }
      out->trace = std::move(trace);
    }
    if (root.contains("expect") && !expect(root.at("expect"), child_path(path, "expect"), &out->expect)) {
      return false;
    }
    return true;
  }

 private:
  // ---- errors ----
  bool fail_at(std::size_t offset, const std::string& path, std::string message) {
    if (error_ != nullptr) {
      error_->file = std::string(file_);
      if (offset == npos) {
        offset = 0;
      }
      line_column(text_, offset, &error_->line, &error_->column);
      error_->json_path = path;
      error_->message = std::move(message);
    }
    return false;
  }
  bool fail_value(const std::string& path, std::string message) {
    return fail_at(index_.value_offset(path), path, std::move(message));
  }
  bool fail_key(const std::string& path, std::string message) {
    return fail_at(index_.key_offset(path), path, std::move(message));
  }
  // A failed read of the value at `path` from its text (json_values.hpp).
  bool fail_text(const std::string& path, const TextError& error) {
    return fail_at(error.offset, path + error.path, error.message);
  }
  // The value at `path` as scanned text: the values' readers and descriptions
  // work on the text, the one implementation shared with ops and traces.
  // nlohmann accepted this text, so the scan cannot fail; if it ever did, the
  // span would be an empty null at the path and messages would say less.
  JsonSpan span_at(const std::string& path) const {
    const std::size_t found = index_.value_offset(path);
    const std::size_t offset = found == npos ? 0 : found;
    JsonSpan span{JsonKind::null, false, offset, offset};
    TextError unused;
    (void)json_text_.scan(offset, 0, &span, &unused);
    return span;
  }
  // The value (its text at `path`) is described in the message.
  bool type_error(const json& /*value*/, const std::string& path, std::string_view expected) {
    TextError error;
    detail::type_error(json_text_, span_at(path), expected, &error);
    return fail_text(path, error);
  }

  // ---- structure ----
  bool expect_object(const json& value, const std::string& path) {
    return value.is_object() || type_error(value, path, "an object");
  }
  bool expect_array(const json& value, const std::string& path) {
    return value.is_array() || type_error(value, path, "an array");
  }
  bool require(const json& object, const std::string& path, const char* key) {
    if (object.contains(key)) {
      return true;
    }
    return fail_value(path, std::string("missing required key \"") + key + "\"");
  }
  // The first unknown key in text order, at the key.
  bool known_keys(const json& object, const std::string& path, std::initializer_list<std::string_view> allowed,
                  const std::string& context = "") {
    const std::string* first = nullptr;
    std::size_t first_offset = npos;
    for (auto it = object.begin(); it != object.end(); ++it) {
      if (std::find(allowed.begin(), allowed.end(), it.key()) != allowed.end()) {
        continue;
      }
      const std::size_t offset = index_.key_offset(child_path(path, it.key()));
      if (first == nullptr || offset < first_offset) {
        first = &it.key();
        first_offset = offset;
      }
    }
    if (first == nullptr) {
      return true;
    }
    return fail_key(child_path(path, *first),
                    "unknown key " + json_quoted(*first) + context + " (expected one of: " + join(allowed) + ")");
  }

  // ---- scalars ----
  bool optional_string(const json& object, const std::string& path, const char* key, std::string* out) {
    if (!object.contains(key)) {
      return true;
    }
    const json& value = object.at(key);
    if (!value.is_string()) {
      return type_error(value, child_path(path, key), "a string");
    }
    *out = value.get<std::string>();
    return true;
  }
  bool optional_bool(const json& object, const std::string& path, const char* key, bool* out) {
    if (!object.contains(key)) {
      return true;
    }
    const json& value = object.at(key);
    if (!value.is_boolean()) {
      return type_error(value, child_path(path, key), "true or false");
    }
    *out = value.get<bool>();
    return true;
  }
  // A JSON number (the caller checked) that must be a non-negative integer
  // <= max; `what` names it in messages.
  bool json_integer(const json& /*value*/, const std::string& path, std::string_view what, std::uint64_t max,
                    std::uint64_t* out) {
    TextError error;
    return read_integer(json_text_, span_at(path), what, max, out, &error) || fail_text(path, error);
  }
  bool integer(const json& value, const std::string& path, std::uint64_t max, std::uint64_t* out) {
    if (!value.is_number()) {
      return type_error(value, path, "an integer");
    }
    return json_integer(value, path, "value", max, out);
  }
  // An integer, or a string of digits (decimal or 0x hex, '_' separators).
  bool number_or_text(const json& value, const std::string& path, std::string_view what, std::uint64_t* out) {
    if (value.is_number()) {
      return json_integer(value, path, what, std::numeric_limits<std::uint64_t>::max(), out);
    }
    if (!value.is_string()) {
      return type_error(value, path, "an integer or a string such as \"0x2000_0000\"");
    }
    const std::string& text = value.get_ref<const std::string&>();
    const std::string why = parse_number_text(text, false, out);
    if (!why.empty()) {
      return fail_value(path, "bad " + std::string(what) + " " + json_quoted(text) + ": " + why);
    }
    return true;
  }
  // A size: an integer, or a string such as "4K", "64KiB", "0x1000", "1_000".
  bool size(const json& /*value*/, const std::string& path, std::uint64_t max, std::uint64_t* out) {
    TextError error;
    return read_size(json_text_, span_at(path), max, out, &error) || fail_text(path, error);
  }
  bool optional_size(const json& object, const std::string& path, const char* key, std::uint64_t max,
                     std::uint64_t* out) {
    return !object.contains(key) || size(object.at(key), child_path(path, key), max, out);
  }
  bool attribute(const json& /*value*/, const std::string& path, MatchMode mode, std::uint32_t* out) {
    TextError error;
    return read_attribute(json_text_, span_at(path), mode, out, &error) || fail_text(path, error);
  }

  // ---- sections ----
  bool pool(const json& value, const std::string& path, PoolConfig* out) {
    if (!expect_object(value, path) || !known_keys(value, path, {"mode", "policy", "size_threshold"})) {
      return false;
    }
    std::string text;
    if (value.contains("mode")) {
      if (!optional_string(value, path, "mode", &text)) {
        return false;
      }
      if (text == "exact") {
        out->mode = MatchMode::exact;
      } else if (text == "capability") {
        out->mode = MatchMode::capability;
      } else {
        return fail_value(child_path(path, "mode"),
                          "unknown mode " + json_quoted(text) + " (expected one of: exact, capability)");
      }
    }
    if (value.contains("policy")) {
      if (!optional_string(value, path, "policy", &text)) {
        return false;
      }
      if (!parse_policy(text.c_str(), &out->policy) || text.find('\0') != std::string::npos) {
        std::string names;
        for (std::size_t i = 0; i < policy_count; ++i) {
          names += (i == 0 ? "" : ", ") + std::string(to_string(static_cast<Policy>(i)));
        }
        return fail_value(child_path(path, "policy"),
                          "unknown policy " + json_quoted(text) + " (expected one of: " + names + ")");
      }
    }
    std::uint64_t threshold = 0;
    if (!optional_size(value, path, "size_threshold", std::numeric_limits<std::size_t>::max(), &threshold)) {
      return false;
    }
    out->size_threshold_bytes = static_cast<std::size_t>(threshold);
    return true;
  }

  bool machine(const json& value, const std::string& path, MachineConfig* out) {
    if (!expect_object(value, path) || !known_keys(value, path, {"regions"}) || !require(value, path, "regions")) {
      return false;
    }
    const std::string regions_path = child_path(path, "regions");
    const json& regions = value.at("regions");
    if (!expect_array(regions, regions_path)) {
      return false;
    }
    out->regions.clear();
    for (std::size_t i = 0; i < regions.size(); ++i) {
      RegionSpec spec;
      if (!region(regions[i], child_path(regions_path, i), out->pool.mode, &spec)) {
        return false;
      }
      out->regions.push_back(std::move(spec));
    }
    return true;
  }

  bool region(const json& value, const std::string& path, MatchMode mode, RegionSpec* out) {
    if (!expect_object(value, path) ||
        !known_keys(value, path,
                    {"name", "base", "size", "attr", "cache", "line_bytes", "dma", "reserved", "role"})) {
      return false;
    }
    for (const char* key : {"name", "base", "size", "attr", "cache"}) {
      if (!require(value, path, key)) {
        return false;
      }
    }
    if (!optional_string(value, path, "name", &out->name)) {
      return false;
    }
    if (out->name.empty()) {
      return fail_value(child_path(path, "name"), "region name must not be empty");
    }
    if (!number_or_text(value.at("base"), child_path(path, "base"), "base", &out->base) ||
        !size(value.at("size"), child_path(path, "size"), std::numeric_limits<std::uint64_t>::max(),
              &out->size_bytes) ||
        !attribute(value.at("attr"), child_path(path, "attr"), mode, &out->attr)) {
      return false;
    }
    std::string cache;
    if (!optional_string(value, path, "cache", &cache)) {
      return false;
    }
    if (!parse_cache_policy(cache, &out->cache_policy)) {
      return fail_value(child_path(path, "cache"), "unknown cache policy " + json_quoted(cache) +
                                                       " (expected one of: write_back, write_through, non_cacheable)");
    }
    if (value.contains("line_bytes")) {
      std::uint64_t line = 0;
      if (!integer(value.at("line_bytes"), child_path(path, "line_bytes"), std::numeric_limits<std::uint32_t>::max(),
                   &line)) {
        return false;
      }
      out->line_bytes = static_cast<std::uint32_t>(line);
    }
    return optional_bool(value, path, "dma", &out->dma_capable) &&
           optional_bool(value, path, "reserved", &out->reserved) && region_role(value, path, &out->role);
  }

  // "role": which side of pool.size_threshold the region serves under the
  // size_threshold policy (other policies ignore it, as the pool does).
  bool region_role(const json& region, const std::string& path, RegionRole* out) {
    std::string text;
    if (!region.contains("role")) {
      return true;
    }
    if (!optional_string(region, path, "role", &text)) {
      return false;
    }
    for (const auto& [name, role] : region_role_names) {
      if (text == name) {
        *out = role;
        return true;
      }
    }
    return fail_value(child_path(path, "role"),
                      "unknown role " + json_quoted(text) + " (expected one of: any, small, large)");
  }

  bool faults(const json& value, const std::string& path, Scenario* out) {
    if (value.is_string()) {
      if (value.get_ref<const std::string&>() != "swarm") {
        return fail_value(path, "expected \"swarm\" or an object of fault rates, got " +
                                    json_text_.describe(span_at(path)));
      }
      out->swarm = true;
      out->faults = FaultPlan::swarm(out->seed);
      return true;
    }
    if (!value.is_object()) {
      return type_error(value, path, "\"swarm\" or an object {fault kind: rate in ppm}");
    }
    if (!known_keys(value, path,
                    {"alloc_failure", "metadata_flip", "dma_overrun", "double_free", "foreign_free",
                     "region_offline"})) {
      return false;
    }
    out->swarm = false;
    out->faults = FaultPlan{};
    for (unsigned kind = 0; kind < fault_kind_count; ++kind) {
      const char* name = to_string(static_cast<FaultKind>(kind));
      if (!value.contains(name)) {
        continue;
      }
      std::uint64_t rate = 0;
      const std::string rate_path = child_path(path, name);
      if (!value.at(name).is_number()) {
        return type_error(value.at(name), rate_path, "a rate in parts per million (an integer)");
      }
      if (!json_integer(value.at(name), rate_path, "rate", 1'000'000, &rate)) {
        return false;
      }
      out->faults.rate_ppm[kind] = static_cast<std::uint32_t>(rate);
    }
    return true;
  }

  bool ops(const json& value, const std::string& path, MatchMode mode, std::vector<Op>* out) {
    if (!expect_array(value, path)) {
      return false;
    }
    out->clear();
    out->reserve(value.size());
    // Each op is read from its text by the one op parser (op_json.hpp), which
    // trace lines go through too.
    for (std::size_t i = 0; i < value.size(); ++i) {
      const std::string op_path = child_path(path, i);
      Op op;
      std::size_t end = 0;
      TextError error;
      if (!parse_op(json_text_, index_.value_offset(op_path), mode, &op, &end, &error)) {
        return fail_text(op_path, error);
      }
      out->push_back(op);
    }
    return true;
  }

  bool check_names(const json& value, const std::string& path, std::vector<Check>* out) {
    if (!expect_array(value, path)) {
      return false;
    }
    out->clear();
    for (std::size_t i = 0; i < value.size(); ++i) {
      const std::string element_path = child_path(path, i);
      if (!value[i].is_string()) {
        return type_error(value[i], element_path, "a check name");
      }
      const std::string& name = value[i].get_ref<const std::string&>();
      const std::optional<Check> check = check_named(name);
      if (!check) {
        return fail_value(element_path, "unknown check " + json_quoted(name) + " (one of " + check_names_list() + ")");
      }
      out->push_back(*check);
    }
    return true;
  }

  bool ratio(const json& object, const std::string& path, const char* key, double max,
             std::optional<double>* out) {
    if (!object.contains(key)) {
      return true;
    }
    const json& value = object.at(key);
    const std::string value_path = child_path(path, key);
    if (!value.is_number()) {
      return type_error(value, value_path, "a number");
    }
    const double number = value.get<double>();
    if (!(number >= 0 && number <= max)) {
      return fail_value(value_path, std::string(key) + " " + value.dump() + " is out of range (0.." +
                                        (max == std::numeric_limits<double>::infinity() ? std::string("")
                                                                                         : json(max).dump()) +
                                        ")");
    }
    *out = number;
    return true;
  }

  bool expect(const json& value, const std::string& path, Expectations* out) {
    if (!expect_object(value, path) ||
        !known_keys(value, path,
                    {"findings_required", "findings_allowed", "max_failed_allocs", "max_f_ext",
                     "max_footprint_overhead", "golden_digest"})) {
      return false;
    }
    if (value.contains("findings_required") &&
        !check_names(value.at("findings_required"), child_path(path, "findings_required"), &out->findings_required)) {
      return false;
    }
    if (value.contains("findings_allowed") &&
        !check_names(value.at("findings_allowed"), child_path(path, "findings_allowed"), &out->findings_allowed)) {
      return false;
    }
    if (value.contains("max_failed_allocs")) {
      std::uint64_t count = 0;
      if (!integer(value.at("max_failed_allocs"), child_path(path, "max_failed_allocs"),
                   std::numeric_limits<std::uint64_t>::max(), &count)) {
        return false;
      }
      out->max_failed_allocs = count;
    }
    if (!ratio(value, path, "max_f_ext", 1.0, &out->max_f_ext) ||
        !ratio(value, path, "max_footprint_overhead", std::numeric_limits<double>::infinity(),
               &out->max_footprint_overhead)) {
      return false;
    }
    if (value.contains("golden_digest")) {
      const json& digest = value.at("golden_digest");
      const std::string digest_path = child_path(path, "golden_digest");
      const char* expected = "a digest as a hex string such as \"0x0123456789abcdef\"";
      if (!digest.is_string()) {
        return type_error(digest, digest_path, expected);
      }
      const std::string& text = digest.get_ref<const std::string&>();
      std::uint64_t number = 0;
      const bool hex = text.size() > 2 && text.size() <= 18 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X') &&
                       text.find('_') == std::string::npos && parse_number_text(text, false, &number).empty();
      if (!hex) {
        return fail_value(digest_path, "bad digest " + json_quoted(text) + ": expected " + expected);
      }
      out->golden_digest = number;
    }
    return true;
  }

  std::string_view text_;
  JsonText json_text_;
  std::string_view file_;
  const PositionIndex& index_;
  ScenarioError* error_;
  ScenarioUse use_;
};

bool parse_impl(std::string_view text, std::string_view file_name, Scenario* out, ScenarioError* error,
                ScenarioUse use) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::parse_error& e) {
    if (error != nullptr) {
      // e.byte: 1-based index of the last byte read (the offending one).
      const std::size_t offset = e.byte == 0 ? 0 : e.byte - 1;
      std::string message = e.what();
      const std::size_t column = message.find("column ");
      const std::size_t colon = column == std::string::npos ? std::string::npos : message.find(": ", column);
      if (colon != std::string::npos) {
        message = message.substr(colon + 2);
      }
      *error = ScenarioError{std::string(file_name), 0, 0, "", message};
      line_column(text, offset, &error->line, &error->column);
    }
    return false;
  } catch (const json::exception& e) {
    // Number overflow (406: "1e400") carries no position: point at the number
    // nlohmann quotes, found in the text.
    if (error != nullptr) {
      std::string message = e.what();
      std::size_t offset = 0;
      const std::size_t open = message.find('\'');
      const std::size_t close = open == std::string::npos ? std::string::npos : message.find('\'', open + 1);
      if (close != std::string::npos) {
        const std::size_t found = text.find(message.substr(open + 1, close - open - 1));
        offset = found == std::string_view::npos ? 0 : found;
      }
      const std::size_t bracket = message.find("] ");
      if (bracket != std::string::npos) {
        message = message.substr(bracket + 2);
      }
      *error = ScenarioError{std::string(file_name), 0, 0, "", message};
      line_column(text, offset, &error->line, &error->column);
    }
    return false;
  }
  PositionIndex index;
  std::size_t deep = 0;
  if (!index.build(text, &deep)) {
    if (error != nullptr) {
      *error = ScenarioError{std::string(file_name), 0, 0, "",
                             "nesting deeper than " + std::to_string(max_depth) + " levels"};
      line_column(text, deep, &error->line, &error->column);
    }
    return false;
  }
  Scenario scenario;
  Parser parser(text, file_name, index, error, use);
  if (!parser.scenario(root, &scenario)) {
    return false;
  }
  *out = std::move(scenario);
  return true;
}

}  // namespace

bool parse_scenario(std::string_view text, std::string_view file_name, Scenario* out, ScenarioError* error,
                    ScenarioUse use) {
  try {
    return parse_impl(text, file_name, out, error, use);
  } catch (const std::exception& e) {
    if (error != nullptr) {
      *error = ScenarioError{std::string(file_name), 0, 0, "", std::string("internal error: ") + e.what()};
    }
  } catch (...) {
    if (error != nullptr) {
      *error = ScenarioError{std::string(file_name), 0, 0, "", "internal error"};
    }
  }
  return false;
}

bool load_scenario_file(const std::string& path, Scenario* out, ScenarioError* error) {
  try {
    std::string text;
    std::string why;
    if (!read_bounded_file(path, default_max_input_bytes, &text, &why)) {
      if (error != nullptr) {
        *error = ScenarioError{path, 0, 0, "", why};
      }
      return false;
    }
    if (!parse_scenario(text, path, out, error)) {
      return false;
    }
    if (out->name.empty()) {
      out->name = std::filesystem::path(path).stem().string();
    }
    return true;
  } catch (const std::exception& e) {
    if (error != nullptr) {
      *error = ScenarioError{path, 0, 0, "", std::string("cannot read the file: ") + e.what()};
    }
  }
  return false;
}

}  // namespace smh::sim
