#include "junit.hpp"

#include <filesystem>
#include <map>
#include <vector>

#include "reproduce.hpp"

namespace smh::cli {

namespace {

constexpr const char* replacement_character = "\xEF\xBF\xBD";

// The length of the valid UTF-8 sequence starting text[at], 0 if invalid.
std::size_t utf8_sequence_length(const std::string& text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  std::size_t length = 0;
  std::uint32_t code_point = 0;
  if (lead < 0x80) {
    return 1;
  }
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    code_point = lead & 0x1Fu;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    code_point = lead & 0x0Fu;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    code_point = lead & 0x07u;
  } else {
    return 0;
  }
  if (at + length > text.size()) {
    return 0;
  }
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(at + i) & 0xC0) != 0x80) {
      return 0;
    }
    code_point = (code_point << 6) | (byte(at + i) & 0x3Fu);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not UTF-8; U+FFFE
  // and U+FFFF are not XML characters.
  static constexpr std::uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code_point < smallest[length] || (code_point >= 0xD800 && code_point <= 0xDFFF) || code_point > 0x10FFFF ||
      code_point == 0xFFFE || code_point == 0xFFFF) {
    return 0;
  }
  return length;
}

std::string failure_details(const sim::ScenarioOutcome& outcome) {
  std::string details;
  if (outcome.verdict == sim::Verdict::bad_input || outcome.verdict == sim::Verdict::crashed) {
    details = outcome.error + "\n";
  }
  for (const std::string& line : outcome.unmet) {
    details += line + "\n";
  }
  return details + "reproduce: " + reproduce_command(outcome.inputs) + "\n";
}

}  // namespace

std::string xml_escape(const std::string& text, bool in_attribute) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x80) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        case '\n': out += in_attribute ? "&#10;" : "\n"; break;
        case '\t': out += in_attribute ? "&#9;" : "\t"; break;
        default: out += byte < 0x20 || byte == 0x7F ? std::string(replacement_character) : std::string(1, c);
      }
      ++i;
      continue;
    }
    const std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) {
      out += replacement_character;
      ++i;
    } else {
      out.append(text, i, length);
      i += length;
    }
  }
  return out;
}

std::string render_junit(const std::vector<const sim::ScenarioOutcome*>& outcomes,
                         const BaselineComparison* baseline) {
  // The baseline's regressions by the path they name (a scenario of this run, or
  // "(all)" when nothing could be compared).
  std::map<std::string, std::vector<std::string>> regressions;
  if (baseline != nullptr) {
    for (const BaselineMove& move : baseline->moves) {
      if (move.kind == BaselineMove::Kind::regression) {
        regressions[move.path].push_back(move.what);
      }
    }
  }
  const auto regression_lines = [](const std::vector<std::string>& whats) {
    std::string lines;
    for (const std::string& what : whats) {
      lines += "baseline regression: " + what + "\n";
    }
    return lines;
  };
  std::size_t failures = 0;
  std::size_t errors = 0;
  std::string cases;
  const auto add_case = [&](const std::string& class_name, const std::string& name, const std::string& file,
                            const char* element, const std::string& type, const std::string& message,
                            const std::string& details) {
    cases += "    <testcase classname=\"" + xml_escape(class_name) + "\" name=\"" + xml_escape(name) + "\"";
    if (!file.empty()) {
      cases += " file=\"" + xml_escape(file) + "\"";
    }
    if (element == nullptr) {
      cases += "/>\n";
      return;
    }
    (std::string(element) == "error" ? errors : failures) += 1;
    cases += ">\n      <" + std::string(element) + " type=\"" + type + "\" message=\"" + xml_escape(message) +
             "\">" + xml_escape(details, false) + "</" + element + ">\n    </testcase>\n";
  };
  for (const sim::ScenarioOutcome* outcome : outcomes) {
    const std::filesystem::path path(outcome->inputs.scenario_path);
    std::string class_name = path.parent_path().generic_string();
    for (char& c : class_name) {
      c = c == '/' ? '.' : c;
    }
    class_name = class_name.empty() ? "scenarios" : class_name;
    std::vector<std::string> regressed;
    if (const auto found = regressions.find(outcome->inputs.scenario_path); found != regressions.end()) {
      regressed = std::move(found->second);
      regressions.erase(found);
    }
    const std::string name = path.stem().string();
    if (outcome->verdict == sim::Verdict::pass) {
      if (regressed.empty()) {
        add_case(class_name, name, outcome->inputs.scenario_path, nullptr, "", "", "");
      } else {
        add_case(class_name, name, outcome->inputs.scenario_path, "failure", "baseline_regression",
                 "baseline regression: " + regressed.front(),
                 regression_lines(regressed) + "reproduce: " + reproduce_command(outcome->inputs) + "\n");
      }
      continue;
    }
    const bool error = outcome->verdict == sim::Verdict::bad_input;
    const bool described = error || outcome->verdict == sim::Verdict::crashed;
    const std::string message = described ? outcome->error : (outcome->unmet.empty() ? "" : outcome->unmet.front());
    add_case(class_name, name, outcome->inputs.scenario_path, error ? "error" : "failure", to_string(outcome->verdict),
             message, regression_lines(regressed) + failure_details(*outcome));
  }
  for (const auto& [path, whats] : regressions) {  // no scenario of this run to hang them on
    add_case("baseline", path, "", "failure", "baseline_regression", "baseline regression: " + whats.front(),
             regression_lines(whats));
  }
  const std::size_t tests = outcomes.size() + regressions.size();
  const std::string counts = "tests=\"" + std::to_string(tests) + "\" failures=\"" + std::to_string(failures) +
                             "\" errors=\"" + std::to_string(errors) + "\"";
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"smh\" " + counts +
         ">\n  <testsuite name=\"smh scenarios\" " + counts + " skipped=\"0\">\n" + cases +
         "  </testsuite>\n</testsuites>\n";
}

}  // namespace smh::cli
