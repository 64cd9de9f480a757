// The scenario JSON parser (docs/scenario-format.md). Positions and paths live in
// json_positions.hpp, number text in number_text.hpp, the writer in
// scenario_writer.cpp.
//
// One reader, the strict in-place scanner that traces go through too
// (json_scan.hpp), and no tree:
//  1. The whole text is scanned once: a syntax error anywhere is reported
//     first, at its byte, as line:column. The scanner recurses at most
//     max_depth levels and allocates nothing, so nesting bombs stop at the
//     limit and cost no memory.
//  2. Each object the format knows is read through Members: one walk over its
//     text keeps, for each key the format gives it, the span of its last value
//     (duplicate keys: the last one wins) and where its key starts, and the
//     first unknown key. Schema errors point at the offending value, at the key
//     for unknown keys, at the enclosing object for missing keys.
// Values are read from their text (json_values.hpp), and each op by the one op
// parser (op_json.hpp) that trace lines go through too, so the same value or op
// means the same and fails with the same message in a scenario and in a trace.
// What parsing keeps is the text and the result: the ops are counted before
// they are read, so the op vector is allocated once, at its size.
// Everything is wrapped so that no exception escapes.
#include "smh/sim/scenario_parser.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <filesystem>
#include <limits>
#include <optional>
#include <span>
#include <utility>

#include "json_positions.hpp"
#include "json_scan.hpp"
#include "json_values.hpp"
#include "number_text.hpp"
#include "op_json.hpp"
#include "positioned_message.hpp"
#include "smh/pool_types.hpp"
#include "smh/sim/bounded_file.hpp"
#include "smh/sim/executor.hpp"
#include "smh/sim/memory_map.hpp"
#include "smh/sim/sim_assert.hpp"

namespace smh::sim {

std::string ScenarioError::to_string() const {
  return detail::positioned_message(file, line, column, std::nullopt, json_path, message);
}

namespace {

using namespace detail;

// "a, b, c" for messages.
template <class Names>
std::string join(const Names& names) {
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
constexpr std::pair<std::string_view, MatchMode> mode_names[] = {{"exact", MatchMode::exact},
                                                                 {"capability", MatchMode::capability}};
constexpr CachePolicy cache_policies[] = {CachePolicy::write_back, CachePolicy::write_through,
                                          CachePolicy::non_cacheable};

// The keys of each object of the format, in the order messages list them.
constexpr std::string_view root_keys[] = {"format_version", "name",  "description", "seed",  "machine", "pool",
                                          "faults",         "cache_noise_ppm", "ops", "trace", "expect"};
constexpr std::string_view machine_keys[] = {"regions"};
constexpr std::string_view region_keys[] = {"name", "base", "size", "attr", "cache", "line_bytes", "dma",
                                            "reserved", "role"};
constexpr std::string_view pool_keys[] = {"mode", "policy", "size_threshold", "attribute_policies"};
constexpr std::string_view attribute_policy_keys[] = {"attr", "policy"};
constexpr std::string_view expect_keys[] = {"findings_required", "findings_allowed", "max_failed_allocs",
                                            "max_f_ext",         "max_footprint_overhead", "golden_digest"};
// The fault kinds' names, from their one table (to_string(FaultKind)).
const std::array<std::string_view, fault_kind_count>& fault_keys() {
  static const std::array<std::string_view, fault_kind_count> names = [] {
    std::array<std::string_view, fault_kind_count> out{};
    for (unsigned kind = 0; kind < fault_kind_count; ++kind) {
      out[kind] = to_string(static_cast<FaultKind>(kind));
    }
    return out;
  }();
  return names;
}

// The members of one object, by the keys the format gives it: for each key the
// span of its last value (duplicate keys: the last one wins) and where the key
// starts, and the first key in text order that is none of them. A fixed table
// whatever the object holds: a million keys cost a walk, not memory.
class Members {
 public:
  static constexpr std::size_t max_keys = 16;

  // `object` was scanned already (the whole text is, before any object is
  // read), so this walk cannot meet a syntax error.
  Members(const JsonText& text, const JsonSpan& object, std::span<const std::string_view> keys)
      : object_(object), keys_(keys) {
    SMH_SIM_ASSERT(keys.size() <= max_keys);
    SMH_SIM_ASSERT(object.kind == JsonKind::object);
    std::string scratch;
    JsonSpan scanned;
    TextError unexpected;
    const bool ok = text.scan_object(object.begin, 0, &scanned, &unexpected,
                                     [&](const JsonSpan& key, const JsonSpan& value) {
                                       const std::string_view name = text.string_value(key, &scratch);
                                       const auto found = std::find(keys.begin(), keys.end(), name);
                                       if (found == keys.end()) {
                                         if (!unknown_) {
                                           unknown_ = key;
                                         }
                                         return;
                                       }
                                       Entry& entry = entries_[static_cast<std::size_t>(found - keys.begin())];
                                       entry.present = true;
                                       entry.key_offset = key.begin;
                                       entry.value = value;
                                     });
    SMH_SIM_ASSERT(ok);
  }

  [[nodiscard]] const JsonSpan& object() const { return object_; }
  [[nodiscard]] std::span<const std::string_view> keys() const { return keys_; }
  [[nodiscard]] bool contains(std::string_view key) const { return entry(key).present; }
  // The value of a key the object holds (the caller checked contains()).
  [[nodiscard]] const JsonSpan& at(std::string_view key) const {
    const Entry& found = entry(key);
    SMH_SIM_ASSERT(found.present);
    return found.value;
  }
  [[nodiscard]] std::size_t key_offset(std::string_view key) const {
    const Entry& found = entry(key);
    SMH_SIM_ASSERT(found.present);
    return found.key_offset;
  }
  // The first key in text order that the format does not give this object.
  [[nodiscard]] const std::optional<JsonSpan>& unknown_key() const { return unknown_; }

 private:
  struct Entry {
    bool present = false;
    std::size_t key_offset = 0;
    JsonSpan value;
  };
  [[nodiscard]] const Entry& entry(std::string_view key) const {
    const auto found = std::find(keys_.begin(), keys_.end(), key);
    SMH_SIM_ASSERT(found != keys_.end());  // a key of this object's table
    return entries_[static_cast<std::size_t>(found - keys_.begin())];
  }

  JsonSpan object_;
  std::span<const std::string_view> keys_;
  std::array<Entry, max_keys> entries_{};
  std::optional<JsonSpan> unknown_;
};

class Parser {
 public:
  Parser(const JsonText& text, std::string_view file, ScenarioError* error, ScenarioUse use)
      : text_(text), file_(file), error_(error), use_(use) {}

  bool scenario(const JsonSpan& root_span, Scenario* out) {
    const std::string path = "$";
    if (!expect_object(root_span, path)) {
      return false;
    }
    const Members root(text_, root_span, root_keys);
    // The version first: a newer file's new keys are then reported as such.
    if (!require(root, path, "format_version")) {
      return false;
    }
    std::uint64_t version = 0;
    const std::string version_path = child_path(path, "format_version");
    const JsonSpan& version_span = root.at("format_version");
    if (!integer(version_span, version_path, std::numeric_limits<std::uint32_t>::max(), &version)) {
      return false;
    }
    if (version != scenario_format_version) {
      return fail_at(version_span.begin, version_path,
                     "unsupported format version " + std::to_string(version) + " (this build reads version " +
                         std::to_string(scenario_format_version) + ")");
    }
    out->format_version = static_cast<std::uint32_t>(version);
    if (!known_keys(root, path) || !require(root, path, "machine")) {
      return false;
    }
    if (use_ == ScenarioUse::run && !root.contains("ops") && !root.contains("trace")) {
      return fail_at(root_span.begin, path, "missing required key \"ops\" (or \"trace\")");
    }
    if (root.contains("ops") && root.contains("trace")) {
      return fail_at(root.key_offset("trace"), child_path(path, "trace"),
                     "\"trace\" and \"ops\" are mutually exclusive");
    }
    if (!optional_string(root, path, "name", &out->name) ||
        !optional_string(root, path, "description", &out->description)) {
      return false;
    }
    if (root.contains("seed") && !number_or_text(root.at("seed"), child_path(path, "seed"), "seed", &out->seed)) {
      return false;
    }
    // The pool before the machine: the mode decides how attributes read.
    if (root.contains("pool") && !pool(root.at("pool"), child_path(path, "pool"), &out->machine)) {
      return false;
    }
    if (!machine(root.at("machine"), child_path(path, "machine"), &out->machine)) {
      return false;
    }
    out->machine_at = position(root.at("machine").begin);
    if (root.contains("faults") && !faults(root.at("faults"), child_path(path, "faults"), out)) {
      return false;
    }
    if (root.contains("cache_noise_ppm")) {
      std::uint64_t ppm = 0;
      if (!json_integer(root.at("cache_noise_ppm"), child_path(path, "cache_noise_ppm"), "cache_noise_ppm", 1'000'000,
                        &ppm)) {
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
        return fail_at(root.at("trace").begin, child_path(path, "trace"), "trace path must not be empty");
      }
      out->trace = std::move(trace);
      out->trace_at = position(root.at("trace").begin);
    }
    return !root.contains("expect") || expect(root.at("expect"), child_path(path, "expect"), &out->expect);
  }

 private:
  [[nodiscard]] TextPosition position(std::size_t offset) const {
    TextPosition at;
    line_column(text_.text(), offset, &at.line, &at.column);
    return at;
  }

  // ---- errors ----
  bool fail_at(std::size_t offset, const std::string& path, std::string message) {
    if (error_ != nullptr) {
      error_->file = std::string(file_);
      line_column(text_.text(), offset, &error_->line, &error_->column);
      error_->json_path = path;
      error_->message = std::move(message);
    }
    return false;
  }
  // A failed read of the value at `path` from its text (json_values.hpp).
  bool fail_text(const std::string& path, const TextError& error) {
    return fail_at(error.offset, path + error.path, error.message);
  }
  bool type_error(const JsonSpan& value, const std::string& path, std::string_view expected) {
    TextError error;
    detail::type_error(text_, value, expected, &error);
    return fail_text(path, error);
  }

  // ---- structure ----
  bool expect_object(const JsonSpan& value, const std::string& path) {
    return value.kind == JsonKind::object || type_error(value, path, "an object");
  }
  bool expect_array(const JsonSpan& value, const std::string& path) {
    return value.kind == JsonKind::array || type_error(value, path, "an array");
  }
  bool require(const Members& object, const std::string& path, std::string_view key) {
    if (object.contains(key)) {
      return true;
    }
    return fail_at(object.object().begin, path, "missing required key \"" + std::string(key) + "\"");
  }
  // The first unknown key in text order, at the key.
  bool known_keys(const Members& object, const std::string& path) {
    if (!object.unknown_key()) {
      return true;
    }
    std::string scratch;
    const std::string_view key = text_.string_value(*object.unknown_key(), &scratch);
    return fail_at(object.unknown_key()->begin, child_path(path, key),
                   "unknown key " + json_quoted(key) + " (expected one of: " + join(object.keys()) + ")");
  }

  // ---- scalars ----
  bool optional_string(const Members& object, const std::string& path, std::string_view key, std::string* out) {
    if (!object.contains(key)) {
      return true;
    }
    const JsonSpan& value = object.at(key);
    if (value.kind != JsonKind::string) {
      return type_error(value, child_path(path, key), "a string");
    }
    std::string scratch;
    *out = std::string(text_.string_value(value, &scratch));
    return true;
  }
  bool optional_bool(const Members& object, const std::string& path, std::string_view key, bool* out) {
    if (!object.contains(key)) {
      return true;
    }
    const JsonSpan& value = object.at(key);
    if (value.kind != JsonKind::boolean) {
      return type_error(value, child_path(path, key), "true or false");
    }
    *out = text_.raw(value) == "true";
    return true;
  }
  static bool is_number(const JsonSpan& value) {
    return value.kind == JsonKind::integer || value.kind == JsonKind::number;
  }
  // A JSON number (the caller checked) that must be a non-negative integer
  // <= max; `what` names it in messages.
  bool json_integer(const JsonSpan& value, const std::string& path, std::string_view what, std::uint64_t max,
                    std::uint64_t* out) {
    TextError error;
    return read_integer(text_, value, what, max, out, &error) || fail_text(path, error);
  }
  bool integer(const JsonSpan& value, const std::string& path, std::uint64_t max, std::uint64_t* out) {
    if (!is_number(value)) {
      return type_error(value, path, "an integer");
    }
    return json_integer(value, path, "value", max, out);
  }
  // An integer, or a string of digits (decimal or 0x hex, '_' separators).
  bool number_or_text(const JsonSpan& value, const std::string& path, std::string_view what, std::uint64_t* out) {
    if (is_number(value)) {
      return json_integer(value, path, what, std::numeric_limits<std::uint64_t>::max(), out);
    }
    if (value.kind != JsonKind::string) {
      return type_error(value, path, "an integer or a string such as \"0x2000_0000\"");
    }
    std::string scratch;
    const std::string_view text = text_.string_value(value, &scratch);
    const std::string why = parse_number_text(text, false, out);
    if (!why.empty()) {
      return fail_at(value.begin, path, "bad " + std::string(what) + " " + json_quoted(text) + ": " + why);
    }
    return true;
  }
  // A size: an integer, or a string such as "4K", "64KiB", "0x1000", "1_000".
  bool size(const JsonSpan& value, const std::string& path, std::uint64_t max, std::uint64_t* out) {
    TextError error;
    return read_size(text_, value, max, out, &error) || fail_text(path, error);
  }
  bool optional_size(const Members& object, const std::string& path, std::string_view key, std::uint64_t max,
                     std::uint64_t* out) {
    return !object.contains(key) || size(object.at(key), child_path(path, key), max, out);
  }
  bool attribute(const JsonSpan& value, const std::string& path, MatchMode mode, std::uint32_t* out) {
    TextError error;
    return read_attribute(text_, value, mode, out, &error) || fail_text(path, error);
  }
  // A string naming one entry of `table` (pairs of name and value); an unknown
  // name is refused with the table's names.
  template <class Table, class Value>
  bool named(const Members& object, const std::string& path, std::string_view key, const Table& table,
             std::string_view what, Value* out) {
    if (!object.contains(key)) {
      return true;
    }
    std::string text;
    if (!optional_string(object, path, key, &text)) {
      return false;
    }
    std::string names;
    for (const auto& [name, value] : table) {
      if (text == name) {
        *out = value;
        return true;
      }
      names += (names.empty() ? "" : ", ") + std::string(name);
    }
    return fail_at(object.at(key).begin, child_path(path, key),
                   "unknown " + std::string(what) + " " + json_quoted(text) + " (expected one of: " + names + ")");
  }

  // ---- sections ----
  // A policy by name (the key must be present when required).
  bool policy_named(const Members& object, const std::string& path, Policy* out) {
    std::string text;
    if (!optional_string(object, path, "policy", &text)) {
      return false;
    }
    if (!parse_policy(text.c_str(), out) || text.find('\0') != std::string::npos) {
      std::string names;
      for (std::size_t i = 0; i < policy_count; ++i) {
        names += (i == 0 ? "" : ", ") + std::string(to_string(static_cast<Policy>(i)));
      }
      return fail_at(object.at("policy").begin, child_path(path, "policy"),
                     "unknown policy " + json_quoted(text) + " (expected one of: " + names + ")");
    }
    return true;
  }

  bool pool(const JsonSpan& value, const std::string& path, MachineConfig* out) {
    if (!expect_object(value, path)) {
      return false;
    }
    const Members pool(text_, value, pool_keys);
    if (!known_keys(pool, path) || !named(pool, path, "mode", mode_names, "mode", &out->pool.mode)) {
      return false;
    }
    if (pool.contains("policy") && !policy_named(pool, path, &out->pool.policy)) {
      return false;
    }
    std::uint64_t threshold = 0;
    if (!optional_size(pool, path, "size_threshold", std::numeric_limits<std::size_t>::max(), &threshold)) {
      return false;
    }
    out->pool.size_threshold_bytes = static_cast<std::size_t>(threshold);
    return !pool.contains("attribute_policies") ||
           attribute_policies(pool.at("attribute_policies"), child_path(path, "attribute_policies"), out);
  }

  // "attribute_policies": [{"attr", "policy"}...], exact mode only, each
  // attribute once: the pool's set_policy(attr, policy). Kept in ascending
  // attribute order, so that a machine has one canonical form.
  bool attribute_policies(const JsonSpan& value, const std::string& path, MachineConfig* out) {
    if (!expect_array(value, path)) {
      return false;
    }
    if (out->pool.mode != MatchMode::exact) {
      return fail_at(value.begin, path, "per-attribute policies need pool mode \"exact\"");
    }
    out->attribute_policies.clear();
    std::size_t index = 0;
    const bool read = each_element(value, [&](const JsonSpan& element) {
      const std::string entry_path = child_path(path, index++);
      if (!expect_object(element, entry_path)) {
        return false;
      }
      const Members entry(text_, element, attribute_policy_keys);
      AttributePolicy own;
      if (!known_keys(entry, entry_path) || !require(entry, entry_path, "attr") ||
          !require(entry, entry_path, "policy") ||
          !attribute(entry.at("attr"), child_path(entry_path, "attr"), MatchMode::exact, &own.attr) ||
          !policy_named(entry, entry_path, &own.policy)) {
        return false;
      }
      if (own.attr >= Executor::attribute_count) {
        return fail_at(entry.at("attr").begin, child_path(entry_path, "attr"),
                       "attribute " + std::to_string(own.attr) + " is beyond the pool's " +
                           std::to_string(Executor::attribute_count) + " attributes");
      }
      for (const AttributePolicy& earlier : out->attribute_policies) {
        if (earlier.attr == own.attr) {
          return fail_at(entry.at("attr").begin, child_path(entry_path, "attr"),
                         "attribute " + std::to_string(own.attr) + " already has a policy");
        }
      }
      out->attribute_policies.push_back(own);
      return true;
    });
    std::sort(out->attribute_policies.begin(), out->attribute_policies.end(),
              [](const AttributePolicy& a, const AttributePolicy& b) { return a.attr < b.attr; });
    return read;
  }

  bool machine(const JsonSpan& value, const std::string& path, MachineConfig* out) {
    if (!expect_object(value, path)) {
      return false;
    }
    const Members machine(text_, value, machine_keys);
    if (!known_keys(machine, path) || !require(machine, path, "regions")) {
      return false;
    }
    const std::string regions_path = child_path(path, "regions");
    const JsonSpan& regions = machine.at("regions");
    if (!expect_array(regions, regions_path)) {
      return false;
    }
    out->regions.clear();
    std::size_t index = 0;
    const bool read = each_element(regions, [&](const JsonSpan& element) {
      RegionSpec spec;
      if (!region(element, child_path(regions_path, index++), out->pool.mode, &spec)) {
        return false;
      }
      out->regions.push_back(std::move(spec));
      return true;
    });
    return read && machine_rules(regions, regions_path, *out);
  }

  // The rules the regions must keep together and one by one (MemoryMap's),
  // each broken one shown at the field it is about. A machine without regions
  // is refused when it is run, not here: it is about the whole machine.
  bool machine_rules(const JsonSpan& regions, const std::string& regions_path, const MachineConfig& machine) {
    if (machine.regions.size() > Executor::max_regions) {
      const JsonSpan first_extra = element_at(regions, Executor::max_regions);
      return fail_at(first_extra.begin, child_path(regions_path, std::size_t{Executor::max_regions}),
                     "the machine has " + std::to_string(machine.regions.size()) +
                         " regions; the simulator holds at most " + std::to_string(Executor::max_regions));
    }
    if (machine.regions.empty()) {
      return true;
    }
    const std::optional<MapProblem> problem = MemoryMap::find_problem(machine.regions);
    if (!problem) {
      return true;
    }
    const std::string region_path = child_path(regions_path, std::size_t{problem->region});
    const Members region(text_, element_at(regions, problem->region), region_keys);
    if (!region.contains(problem->field)) {
      return fail_at(region.object().begin, region_path, problem->message);
    }
    return fail_at(region.at(problem->field).begin, child_path(region_path, problem->field), problem->message);
  }

  // The element of a (scanned) array at `index`, which it holds.
  JsonSpan element_at(const JsonSpan& array, std::size_t index) {
    std::optional<JsonSpan> found;
    std::size_t at = 0;
    each_element(array, [&](const JsonSpan& element) {
      if (at++ == index) {
        found = element;
        return false;
      }
      return true;
    });
    SMH_SIM_ASSERT(found.has_value());
    return *found;
  }

  bool region(const JsonSpan& value, const std::string& path, MatchMode mode, RegionSpec* out) {
    if (!expect_object(value, path)) {
      return false;
    }
    const Members region(text_, value, region_keys);
    if (!known_keys(region, path)) {
      return false;
    }
    for (const std::string_view key : {"name", "base", "size", "attr", "cache"}) {
      if (!require(region, path, key)) {
        return false;
      }
    }
    if (!optional_string(region, path, "name", &out->name)) {
      return false;
    }
    if (out->name.empty()) {
      return fail_at(region.at("name").begin, child_path(path, "name"), "region name must not be empty");
    }
    if (!number_or_text(region.at("base"), child_path(path, "base"), "base", &out->base) ||
        !size(region.at("size"), child_path(path, "size"), std::numeric_limits<std::uint64_t>::max(),
              &out->size_bytes) ||
        !attribute(region.at("attr"), child_path(path, "attr"), mode, &out->attr)) {
      return false;
    }
    std::string cache;
    if (!optional_string(region, path, "cache", &cache)) {
      return false;
    }
    if (!parse_cache_policy(cache, &out->cache_policy)) {
      std::string names;
      for (const CachePolicy policy : cache_policies) {
        names += (names.empty() ? "" : ", ") + std::string(to_string(policy));
      }
      return fail_at(region.at("cache").begin, child_path(path, "cache"),
                     "unknown cache policy " + json_quoted(cache) + " (expected one of: " + names + ")");
    }
    if (region.contains("line_bytes")) {
      std::uint64_t line = 0;
      if (!integer(region.at("line_bytes"), child_path(path, "line_bytes"), std::numeric_limits<std::uint32_t>::max(),
                   &line)) {
        return false;
      }
      out->line_bytes = static_cast<std::uint32_t>(line);
    }
    // "role": which side of pool.size_threshold the region serves under the
    // size_threshold policy (other policies ignore it, as the pool does).
    return optional_bool(region, path, "dma", &out->dma_capable) &&
           optional_bool(region, path, "reserved", &out->reserved) &&
           named(region, path, "role", region_role_names, "role", &out->role);
  }

  bool faults(const JsonSpan& value, const std::string& path, Scenario* out) {
    if (value.kind == JsonKind::string) {
      std::string scratch;
      if (text_.string_value(value, &scratch) != "swarm") {
        return fail_at(value.begin, path,
                       "expected \"swarm\" or an object of fault rates, got " + text_.describe(value));
      }
      out->swarm = true;
      out->faults = FaultPlan::swarm(out->seed);
      return true;
    }
    if (value.kind != JsonKind::object) {
      return type_error(value, path, "\"swarm\" or an object {fault kind: rate in ppm}");
    }
    const Members faults(text_, value, fault_keys());
    if (!known_keys(faults, path)) {
      return false;
    }
    out->swarm = false;
    out->faults = FaultPlan{};
    for (unsigned kind = 0; kind < fault_kind_count; ++kind) {
      const std::string_view name = fault_keys()[kind];
      if (!faults.contains(name)) {
        continue;
      }
      std::uint64_t rate = 0;
      const std::string rate_path = child_path(path, name);
      if (!is_number(faults.at(name))) {
        return type_error(faults.at(name), rate_path, "a rate in parts per million (an integer)");
      }
      if (!json_integer(faults.at(name), rate_path, "rate", 1'000'000, &rate)) {
        return false;
      }
      out->faults.rate_ppm[kind] = static_cast<std::uint32_t>(rate);
    }
    return true;
  }

  // Calls on_element(span) for each element of the (scanned) array until it
  // returns false; returns whether every call returned true.
  template <class OnElement>
  bool each_element(const JsonSpan& array, OnElement&& on_element) {
    bool ok = true;
    JsonSpan scanned;
    TextError unexpected;
    const bool walked = text_.scan_array(array.begin, 0, &scanned, &unexpected, [&](const JsonSpan& element) {
      ok = ok && on_element(element);
    });
    SMH_SIM_ASSERT(walked);  // the whole text was scanned first
    return ok;
  }

  bool ops(const JsonSpan& value, const std::string& path, MatchMode mode, std::vector<Op>* out) {
    if (!expect_array(value, path)) {
      return false;
    }
    // Counted first, so the vector is allocated once at its size: a million
    // ops cost their 64 bytes each and no doubling.
    std::size_t count = 0;
    each_element(value, [&](const JsonSpan&) {
      ++count;
      return true;
    });
    out->clear();
    out->reserve(count);
    // Each op is read from its text by the one op parser (op_json.hpp), which
    // trace lines go through too.
    return each_element(value, [&](const JsonSpan& element) {
      Op op;
      std::size_t end = 0;
      TextError error;
      if (!parse_op(text_, element.begin, mode, &op, &end, &error)) {
        return fail_text(child_path(path, out->size()), error);
      }
      out->push_back(op);
      return true;
    });
  }

  bool check_names(const JsonSpan& value, const std::string& path, std::vector<Check>* out) {
    if (!expect_array(value, path)) {
      return false;
    }
    out->clear();
    std::string scratch;
    std::size_t index = 0;
    return each_element(value, [&](const JsonSpan& element) {
      const std::string element_path = child_path(path, index++);
      if (element.kind != JsonKind::string) {
        return type_error(element, element_path, "a check name");
      }
      const std::string_view name = text_.string_value(element, &scratch);
      const std::optional<Check> check = check_named(name);
      if (!check) {
        return fail_at(element.begin, element_path,
                       "unknown check " + json_quoted(name) + " (one of " + check_names_list() + ")");
      }
      out->push_back(*check);
      return true;
    });
  }

  // A number in [0, max]; `max_text` is how messages write max ("" for none).
  bool ratio(const Members& object, const std::string& path, std::string_view key, double max,
             std::string_view max_text, std::optional<double>* out) {
    if (!object.contains(key)) {
      return true;
    }
    const JsonSpan& value = object.at(key);
    const std::string value_path = child_path(path, key);
    if (!is_number(value)) {
      return type_error(value, value_path, "a number");
    }
    const std::string_view raw = text_.raw(value);
    double number = 0;
    const std::from_chars_result read = std::from_chars(raw.data(), raw.data() + raw.size(), number);
    if (read.ec != std::errc() || !(number >= 0 && number <= max)) {
      return fail_at(value.begin, value_path,
                     std::string(key) + " " + excerpt(raw) + " is out of range (0.." + std::string(max_text) + ")");
    }
    *out = number;
    return true;
  }

  bool expect(const JsonSpan& value, const std::string& path, Expectations* out) {
    if (!expect_object(value, path)) {
      return false;
    }
    const Members expect(text_, value, expect_keys);
    if (!known_keys(expect, path)) {
      return false;
    }
    if (expect.contains("findings_required") &&
        !check_names(expect.at("findings_required"), child_path(path, "findings_required"), &out->findings_required)) {
      return false;
    }
    if (expect.contains("findings_allowed") &&
        !check_names(expect.at("findings_allowed"), child_path(path, "findings_allowed"), &out->findings_allowed)) {
      return false;
    }
    if (expect.contains("max_failed_allocs")) {
      std::uint64_t count = 0;
      if (!integer(expect.at("max_failed_allocs"), child_path(path, "max_failed_allocs"),
                   std::numeric_limits<std::uint64_t>::max(), &count)) {
        return false;
      }
      out->max_failed_allocs = count;
    }
    if (!ratio(expect, path, "max_f_ext", 1.0, "1.0", &out->max_f_ext) ||
        !ratio(expect, path, "max_footprint_overhead", std::numeric_limits<double>::infinity(), "",
               &out->max_footprint_overhead)) {
      return false;
    }
    if (expect.contains("golden_digest")) {
      const JsonSpan& digest = expect.at("golden_digest");
      const std::string digest_path = child_path(path, "golden_digest");
      const char* expected = "a digest as a hex string such as \"0x0123456789abcdef\"";
      if (digest.kind != JsonKind::string) {
        return type_error(digest, digest_path, expected);
      }
      std::string scratch;
      const std::string_view text = text_.string_value(digest, &scratch);
      std::uint64_t number = 0;
      const bool hex = text.size() > 2 && text.size() <= 18 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X') &&
                       text.find('_') == std::string_view::npos && parse_number_text(text, false, &number).empty();
      if (!hex) {
        return fail_at(digest.begin, digest_path, "bad digest " + json_quoted(text) + ": expected " + expected);
      }
      out->golden_digest = number;
    }
    return true;
  }

  const JsonText& text_;
  std::string_view file_;
  ScenarioError* error_;
  ScenarioUse use_;
};

bool parse_impl(std::string_view text, std::string_view file_name, Scenario* out, ScenarioError* error,
                ScenarioUse use) {
  const JsonText json_text(text);
  const auto fail = [&](const TextError& problem) {
    if (error != nullptr) {
      *error = ScenarioError{std::string(file_name), 0, 0, problem.path.empty() ? "" : "$" + problem.path,
                             problem.message};
      line_column(text, problem.offset, &error->line, &error->column);
    }
    return false;
  };
  // The whole text first: a syntax error anywhere comes before any schema error.
  std::size_t begin = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {
    begin = 3;  // a UTF-8 byte order mark
  }
  JsonSpan root;
  TextError problem;
  if (!json_text.scan(begin, 0, &root, &problem)) {
    return fail(problem);
  }
  const std::size_t end = json_text.skip_ws(root.end);
  if (end != text.size()) {
    return fail(TextError{end, "", "syntax error: expected the end of the input after the scenario, got " +
                                       json_text.what_is_at(end)});
  }
  Scenario scenario;
  Parser parser(json_text, file_name, error, use);
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
