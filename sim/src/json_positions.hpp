// Where things are in a JSON text, for error messages: 1-based line and column
// of a byte offset, JSON paths ("$.ops[3].size"), and PositionIndex, the byte
// offset of every value and key by path, built by a small iterative scanner over
// text nlohmann already accepted. Private to sim/src (the scenario parser).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace smh::sim::detail {

using json = nlohmann::json;
inline constexpr std::size_t npos = std::string::npos;
inline constexpr std::size_t max_depth = 32;

inline bool is_identifier(std::string_view key) {
  if (key.empty()) {
    return false;
  }
  for (std::size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i != 0)) {
      return false;
    }
  }
  return true;
}

inline std::string json_quoted(std::string_view text) {
  return json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace);
}

inline std::string child_path(const std::string& parent, std::string_view key) {
  if (is_identifier(key)) {
    return parent + '.' + std::string(key);
  }
  return parent + '[' + json_quoted(key) + ']';
}

inline std::string child_path(const std::string& parent, std::size_t index) {
  return parent + '[' + std::to_string(index) + ']';
}

inline bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Byte offsets of values and keys by JSON path (pass 2, see the top).
class PositionIndex {
 public:
  // False when nesting is deeper than max_depth (*error_offset: where).
  bool build(std::string_view text, std::size_t* error_offset) {
    text_ = text;
    pos_ = 0;
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") {
      pos_ = 3;
    }
    struct Frame {
      bool object;
      std::string path;
      std::size_t index;
    };
    std::vector<Frame> stack;
    std::string current = "$";
    enum class State { value, key, after } state = State::value;
    skip_ws();
    while (true) {
      if (pos_ >= text_.size()) {
        return true;  // only on inconsistent input: keep what we have
      }
      switch (state) {
        case State::value: {
          entries_[current].value = pos_;
          const char c = text_[pos_];
          if (c == '{' || c == '[') {
            if (stack.size() >= max_depth) {
              *error_offset = pos_;
              return false;
            }
            stack.push_back(Frame{c == '{', current, 0});
            ++pos_;
            skip_ws();
            if (pos_ < text_.size() && (text_[pos_] == '}' || text_[pos_] == ']')) {
              ++pos_;
              stack.pop_back();
              state = State::after;
            } else if (c == '{') {
              state = State::key;
            } else {
              current = child_path(stack.back().path, std::size_t{0});
            }
          } else if (c == '"') {
            skip_string();
            state = State::after;
          } else {
            while (pos_ < text_.size() && !is_ws(text_[pos_]) && text_[pos_] != ',' && text_[pos_] != ']' &&
                   text_[pos_] != '}') {
              ++pos_;
            }
            state = State::after;
          }
          break;
        }
        case State::key: {
          const std::size_t key_start = pos_;
          skip_string();
          const std::string key = decode_key(text_.substr(key_start, pos_ - key_start));
          current = child_path(stack.back().path, key);
          entries_[current].key = key_start;
          skip_ws();
          if (pos_ < text_.size() && text_[pos_] == ':') {
            ++pos_;
          }
          skip_ws();
          state = State::value;
          break;
        }
        case State::after: {
          skip_ws();
          if (stack.empty()) {
            return true;
          }
          if (pos_ >= text_.size()) {
            return true;
          }
          const char c = text_[pos_];
          if (c == ',') {
            ++pos_;
            skip_ws();
            Frame& top = stack.back();
            if (top.object) {
              state = State::key;
            } else {
              ++top.index;
              current = child_path(top.path, top.index);
              state = State::value;
            }
          } else {
            ++pos_;  // '}' or ']'
            stack.pop_back();
          }
          break;
        }
      }
    }
  }

  [[nodiscard]] std::size_t value_offset(const std::string& path) const {
    const auto it = entries_.find(path);
    return it == entries_.end() ? npos : it->second.value;
  }
  [[nodiscard]] std::size_t key_offset(const std::string& path) const {
    const auto it = entries_.find(path);
    if (it == entries_.end()) {
      return npos;
    }
    return it->second.key != npos ? it->second.key : it->second.value;
  }

 private:
  struct Entry {
    std::size_t key = npos;
    std::size_t value = npos;
  };

  void skip_ws() {
    while (pos_ < text_.size() && is_ws(text_[pos_])) {
      ++pos_;
    }
  }
  void skip_string() {  // at the opening quote
    ++pos_;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      pos_ += text_[pos_] == '\\' ? 2 : 1;
    }
    pos_ = std::min(pos_ + 1, text_.size());
  }
  static std::string decode_key(std::string_view raw) {
    if (raw.size() >= 2 && raw.find('\\') == std::string_view::npos) {
      return std::string(raw.substr(1, raw.size() - 2));
    }
    const json decoded = json::parse(raw, nullptr, false);
    return decoded.is_string() ? decoded.get<std::string>() : std::string(raw);
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::unordered_map<std::string, Entry> entries_;
};

// 1-based line and column (in UTF-8 code points) of a byte offset.
inline void line_column(std::string_view text, std::size_t offset, std::size_t* line, std::size_t* column) {
  offset = std::min(offset, text.size());
  std::size_t l = 1;
  std::size_t c = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '\n') {
      ++l;
      c = 1;
    } else if ((byte & 0xC0) != 0x80) {
      ++c;
    }
  }
  *line = l;
  *column = c;
}

}  // namespace smh::sim::detail
