// The one op parser and the one op writer (op_json.hpp).
//
// Parsing is two steps over one object: scan it once, keeping the span of each
// key the format knows (a trace line costs one pass and no allocation), then
// check and convert the kept values in the format's order. Keys no op takes are
// remembered (the first in text order) and reported after the op name is known,
// together with known keys this op does not take, so that the message can list
// what this op does take.
#include "op_json.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstring>
#include <iterator>
#include <limits>

#include "json_positions.hpp"
#include "json_values.hpp"
#include "power_of_two.hpp"

namespace smh::sim::detail {

namespace {

enum Key : unsigned { key_op, key_handle, key_attr, key_prefer, key_size, key_align, key_offset, key_length, key_count };
constexpr std::string_view key_names[key_count] = {"op", "handle", "attr", "prefer", "size", "align", "offset", "length"};
constexpr unsigned bit(Key key) { return 1u << key; }

// Equality of short texts (keys, op names) without a library call.
bool same_text(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) {
      return false;
    }
  }
  return true;
}

// The key's id, or key_count for a key no op takes. Every line looks up every
// key, so the candidate is picked by length and first letter before comparing.
Key key_id(std::string_view key) {
  Key candidate = key_count;
  switch (key.size()) {
    case 2: candidate = key_op; break;
    case 4: candidate = key[0] == 'a' ? key_attr : key_size; break;
    case 5: candidate = key_align; break;
    case 6:
      switch (key[0]) {
        case 'h': candidate = key_handle; break;
        case 'p': candidate = key_prefer; break;
        case 'o': candidate = key_offset; break;
        default: candidate = key_length; break;
      }
      break;
    default: return key_count;
  }
  return same_text(key, key_names[candidate]) ? candidate : key_count;
}

// Op names as views (to_string's, measured once), compared length first.
const std::array<std::string_view, op_kind_count>& op_names() {
  static const std::array<std::string_view, op_kind_count> names = [] {
    std::array<std::string_view, op_kind_count> out{};
    for (unsigned kind = 0; kind < op_kind_count; ++kind) {
      out[kind] = to_string(static_cast<OpKind>(kind));
    }
    return out;
  }();
  return names;
}

// The keys each op takes: its fields (op_fields), a preference chain for alloc.
unsigned allowed_keys(OpKind kind) {
  const unsigned fields = op_fields(kind);
  unsigned keys = bit(key_op) | bit(key_handle);
  if ((fields & op_field_attr_size_align) != 0) {
    keys |= bit(key_attr) | bit(key_size) | bit(key_align);
  }
  if (kind == OpKind::alloc) {
    keys |= bit(key_prefer);
  }
  if ((fields & op_field_offset) != 0) {
    keys |= bit(key_offset);
  }
  if ((fields & op_field_length) != 0) {
    keys |= bit(key_length);
  }
  return keys;
}

// What the scan kept of the object. value[] and key_offset[] hold something
// only for the keys in `present`, and are left uninitialised otherwise: an op
// has few of the keys, and zeroing them all was a fifth of a line's parse.
struct Members {
  union Values {
    Values() {}  // NOLINT: deliberately leaves the spans uninitialised
    JsonSpan of[key_count];
  };
  JsonSpan object;
  Values value;
  std::size_t key_offset[key_count];
  unsigned present = 0;  // bit(key) per key seen
  bool unknown = false;  // a key no op takes; the first one in text order:
  JsonSpan unknown_key;

  [[nodiscard]] bool has(Key key) const { return (present & bit(key)) != 0; }
};

class OpReader {
 public:
  OpReader(const JsonText& text, const Members& members, MatchMode mode, TextError* error)
      : text_(text), m_(members), mode_(mode), error_(error) {}

  bool read(Op* out) {
    if (!m_.has(key_op)) {
      return fail(m_.object.begin, "", "missing required key \"op\"");
    }
    const JsonSpan& kind_span = m_.value.of[key_op];
    if (kind_span.kind != JsonKind::string) {
      return with_path(type_error(text_, kind_span, "an op name", error_), key_op);
    }
    if (!op_kind(text_.string_value(kind_span, &scratch_), &out->kind)) {
      return false;
    }
    if (!known_keys(out->kind)) {
      return false;
    }
    if (!m_.has(key_handle)) {
      return fail(m_.object.begin, "", "missing required key \"handle\"");
    }
    std::uint64_t handle = 0;
    if (!integer(key_handle, "a handle (an integer)", "handle", max_handle, &handle)) {
      return false;
    }
    out->handle = static_cast<Handle>(handle);
    constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
    if (out->kind == OpKind::alloc || out->kind == OpKind::realloc) {
      if (m_.has(key_attr) && m_.has(key_prefer)) {
        return fail(m_.key_offset[key_prefer], ".prefer", "\"attr\" and \"prefer\" are mutually exclusive");
      }
      if (!m_.has(key_prefer) && !m_.has(key_attr)) {
        return fail(m_.object.begin, "", "missing required key \"attr\"");
      }
      if (!m_.has(key_size)) {
        return fail(m_.object.begin, "", "missing required key \"size\"");
      }
      const bool attrs_ok = m_.has(key_prefer)
                                ? prefer(out)
                                : with_path(read_attribute(text_, m_.value.of[key_attr], mode_, &out->attr, error_),
                                            key_attr);
      if (!attrs_ok || !size(key_size, max, &out->size_bytes) || !size(key_align, max, &out->align_bytes)) {
        return false;
      }
      if (out->align_bytes != 0 && !is_power_of_two(out->align_bytes)) {
        return fail(m_.value.of[key_align].begin, ".align",
                    "alignment " + std::to_string(out->align_bytes) + " is not a power of two");
      }
      return true;
    }
    return size(key_offset, max, &out->offset_bytes) && size(key_length, max, &out->length_bytes);
  }

 private:
  bool fail(std::size_t offset, std::string path, std::string message) {
    error_->offset = offset;
    error_->path = std::move(path);
    error_->message = std::move(message);
    return false;
  }
  // Prefixes a failed value read's relative path with the key's.
  bool with_path(bool ok, Key key) {
    if (!ok) {
      error_->path = child_path("", key_names[key]) + error_->path;
    }
    return ok;
  }

  bool op_kind(std::string_view name, OpKind* out) {
    const auto& known = op_names();
    for (unsigned kind = 0; kind < op_kind_count; ++kind) {
      if (same_text(name, known[kind])) {
        *out = static_cast<OpKind>(kind);
        return true;
      }
    }
    std::string names;
    for (unsigned kind = 0; kind < op_kind_count; ++kind) {
      names += (kind == 0 ? "" : ", ") + std::string(known[kind]);
    }
    return fail(m_.value.of[key_op].begin, ".op", "unknown op " + json_quoted(name) + " (expected one of: " + names + ")");
  }

  // The first key in text order that this op does not take, at the key.
  bool known_keys(OpKind kind) {
    const unsigned allowed = allowed_keys(kind);
    std::size_t first = m_.unknown ? m_.unknown_key.begin : npos;
    std::string name = m_.unknown ? std::string(text_.string_value(m_.unknown_key, &scratch_)) : std::string();
    for (unsigned key = 0; key < key_count; ++key) {
      if ((m_.present & ~allowed & (1u << key)) != 0 && m_.key_offset[key] < first) {
        first = m_.key_offset[key];
        name = key_names[key];
      }
    }
    if (first == npos) {
      return true;
    }
    std::string expected;
    for (unsigned key = 0; key < key_count; ++key) {
      if ((allowed & (1u << key)) != 0) {
        expected += (expected.empty() ? "" : ", ") + std::string(key_names[key]);
      }
    }
    return fail(first, child_path("", name),
                "unknown key " + json_quoted(name) + " for op " + json_quoted(to_string(kind)) +
                    " (expected one of: " + expected + ")");
  }

  bool integer(Key key, std::string_view expected, std::string_view what, std::uint64_t max, std::uint64_t* out) {
    const JsonSpan& span = m_.value.of[key];
    if (span.kind != JsonKind::integer && span.kind != JsonKind::number) {
      return with_path(type_error(text_, span, expected, error_), key);
    }
    return with_path(read_integer(text_, span, what, max, out, error_), key);
  }
  // An optional size stays 0 when absent.
  bool size(Key key, std::uint64_t max, std::uint64_t* out) {
    // Named by its key: "offset -8" says which of an op's sizes is wrong.
    return !m_.has(key) || with_path(read_size(text_, m_.value.of[key], max, out, error_, key_names[key]), key);
  }

  // "prefer": [attr, ...]: attr is the first, the rest are the fallbacks.
  bool prefer(Op* out) {
    const JsonSpan& span = m_.value.of[key_prefer];
    const std::string path = child_path("", key_names[key_prefer]);
    if (span.kind != JsonKind::array) {
      return with_path(type_error(text_, span,
                                  "a preference list (an array of 1 to " + std::to_string(max_prefer_attrs) +
                                      " attributes)",
                                  error_),
                       key_prefer);
    }
    unsigned count = 0;
    bool ok = true;
    JsonSpan array;
    TextError syntax;
    // Scanned already: only attribute errors can arise here.
    const bool scanned = text_.scan_array(span.begin, 0, &array, &syntax, [&](const JsonSpan& element) {
      if (!ok) {
        return;
      }
      if (count == max_prefer_attrs) {
        ok = fail(element.begin, child_path(path, count),
                  "a preference list holds at most " + std::to_string(max_prefer_attrs) + " attributes");
        return;
      }
      std::uint32_t attr = 0;
      ok = read_attribute(text_, element, mode_, &attr, error_);
      if (!ok) {
        error_->path = child_path(path, count) + error_->path;
        return;
      }
      if (count == 0) {
        out->attr = attr;
      } else {
        out->fallback_attrs[count - 1] = attr;
      }
      ++count;
    });
    if (!scanned) {
      *error_ = syntax;
      return false;
    }
    if (!ok) {
      return false;
    }
    if (count == 0) {
      return fail(span.begin, path, "a preference list needs at least one attribute");
    }
    out->fallback_count = static_cast<std::uint8_t>(count - 1);
    return true;
  }

  const JsonText& text_;
  const Members& m_;
  MatchMode mode_;
  TextError* error_;
  std::string scratch_;
};

// The canonical line is built in a buffer on the stack and appended once: a
// trace writes millions of them (an import is half made of this).
class LineBuffer {
 public:
  void put(std::string_view text) {
    std::memcpy(end_, text.data(), text.size());
    end_ += text.size();
  }
  void put(char c) { *end_++ = c; }
  void put_u64(std::uint64_t value) { end_ = std::to_chars(end_, std::end(text_), value).ptr; }
  void key(std::string_view name) {
    put(",\"");
    put(name);
    put("\":");
  }
  void append_to(std::string* out) const { out->append(text_, static_cast<std::size_t>(end_ - text_)); }

 private:
  // The longest op: the longest name, a handle, a four-entry chain of 10-digit
  // attributes, a 20-digit size and a 20-digit alignment, and the punctuation.
  char text_[224];
  char* end_ = text_;
};

}  // namespace

bool parse_op(const JsonText& text, std::size_t begin, MatchMode mode, Op* out, std::size_t* end, TextError* error) {
  begin = text.skip_ws(begin);
  Members members;
  if (begin >= text.text().size() || text.text()[begin] != '{') {
    if (!text.scan(begin, 0, &members.object, error)) {
      return false;
    }
    return type_error(text, members.object, "an object", error);
  }
  std::string scratch;
  const bool scanned = text.scan_object(begin, 0, &members.object, error, [&](const JsonSpan& key, const JsonSpan& value) {
    const Key id = key_id(text.string_value(key, &scratch));
    if (id == key_count) {
      if (!members.unknown) {
        members.unknown = true;
        members.unknown_key = key;
      }
      return;
    }
    members.value.of[id] = value;  // a duplicate key: the last one wins
    members.key_offset[id] = key.begin;
    members.present |= bit(id);
  });
  if (!scanned) {
    return false;
  }
  Op op;
  if (!OpReader(text, members, mode, error).read(&op)) {
    return false;
  }
  *out = op;
  *end = members.object.end;
  return true;
}

namespace {

// The fast path reads the line through a cursor: every step is a bounds check
// and a compare, and the fixed texts are compared with memcmp of a constant
// length, which the compiler turns into a few word compares (a trace line is
// about 40 bytes, and a replay reads millions of them).
class CanonicalCursor {
 public:
  explicit CanonicalCursor(std::string_view line) : at_(line.data()), end_(line.data() + line.size()) {}

  // Whether the line continues with `text` (a literal, without its NUL).
  template <std::size_t N>
  bool text(const char (&literal)[N]) {
    constexpr std::size_t length = N - 1;
    if (static_cast<std::size_t>(end_ - at_) < length || std::memcmp(at_, literal, length) != 0) {
      return false;
    }
    at_ += length;
    return true;
  }
  // The digits of a JSON integer in canonical form (no sign, no leading zero,
  // at most 19 digits, so no overflow) up to `max`; false for anything else.
  bool integer(std::uint64_t max, std::uint64_t* out) {
    if constexpr (std::endian::native == std::endian::little) {
      const std::uint64_t word = next_word();  // read once, for both steps
      if (const unsigned digits = leading_digits(word); digits < 8) {
        return short_integer(word, digits, max, out);
      }
    }
    return long_integer(max, out);
  }
  // Whether exactly `c` is left.
  [[nodiscard]] bool last(char c) const { return end_ - at_ == 1 && *at_ == c; }
  [[nodiscard]] char peek() const { return at_ != end_ ? *at_ : '\0'; }

 private:
  static constexpr std::uint64_t every_byte(std::uint8_t value) { return 0x0101'0101'0101'0101ull * value; }

  // The next 8 bytes as a word, the first in its low byte (little-endian);
  // past the line's end, zero bytes (no digit). Near the line's end (the last
  // number of every line) the word is assembled in a register: a memcpy of
  // fewer than 8 bytes into it stores bytes that the word's load then cannot
  // take from the store buffer, a stall of ten cycles and more per number.
  [[nodiscard]] std::uint64_t next_word() const {
    const auto left = static_cast<std::size_t>(end_ - at_);
    std::uint64_t word = 0;
    if (left >= 8) {
      std::memcpy(&word, at_, 8);
      return word;
    }
    for (std::size_t i = 0; i < left; ++i) {
      word |= std::uint64_t{static_cast<unsigned char>(at_[i])} << (8 * i);
    }
    return word;
  }
  // How many of the next 8 bytes are digits before the first that is not (8:
  // all of them), all at once: a byte is a digit when its high nibble is 3 and
  // its low nibble plus 6 stays below 16. A carry out of a byte that is no
  // digit only disturbs the bytes after it, which are not counted.
  [[nodiscard]] static unsigned leading_digits(std::uint64_t word) {
    const std::uint64_t high = every_byte(0xF0);
    const std::uint64_t not_digit =
        ((word & high) ^ every_byte(0x30)) | (((word + every_byte(0x06)) & high) ^ every_byte(0x30));
    return not_digit == 0 ? 8 : static_cast<unsigned>(std::countr_zero(not_digit)) / 8;
  }
  // `digits` (1..7) digits converted at once: moved to the top of the word (the
  // bytes below are then leading zeros), then pairs, quads and the halves
  // combined (each step multiplies the higher-placed part by its weight).
  bool short_integer(std::uint64_t word, unsigned digits, std::uint64_t max, std::uint64_t* out) {
    if (digits == 0 || (digits > 1 && *at_ == '0')) {
      return false;
    }
    word = (word - every_byte(0x30)) << (8 * (8 - digits));
    word = (word * 10 + (word >> 8)) & 0x00FF'00FF'00FF'00FFull;
    word = (word * 100 + (word >> 16)) & 0x0000'FFFF'0000'FFFFull;
    word = (word * 10000 + (word >> 32)) & 0xFFFF'FFFFull;
    if (word > max) {
      return false;
    }
    at_ += digits;
    *out = word;
    return true;
  }
  // The same a digit at a time, for 8 digits and more.
  bool long_integer(std::uint64_t max, std::uint64_t* out) {
    const char* const first = at_;
    const char* const limit = end_ - first > 19 ? first + 19 : end_;
    std::uint64_t value = 0;
    while (at_ != limit && static_cast<unsigned char>(*at_ - '0') <= 9) {
      value = value * 10 + static_cast<unsigned>(*at_ - '0');
      ++at_;
    }
    const bool more_digits = at_ != end_ && static_cast<unsigned char>(*at_ - '0') <= 9;
    if (at_ == first || more_digits || (*first == '0' && at_ - first > 1) || value > max) {
      return false;
    }
    *out = value;
    return true;
  }

  const char* at_;
  const char* end_;
};

// The op's name and the handle's key after `{"op":"`: the three block ops.
bool canonical_kind(CanonicalCursor* line, OpKind* kind) {
  switch (line->peek()) {
    case 'f': *kind = OpKind::free; return line->text("free\",\"handle\":");
    case 'a': *kind = OpKind::alloc; return line->text("alloc\",\"handle\":");
    case 'r': *kind = OpKind::realloc; return line->text("realloc\",\"handle\":");
    default: return false;
  }
}

}  // namespace

bool parse_canonical_op(std::string_view text, Op* out) {
  constexpr std::uint64_t max64 = std::numeric_limits<std::uint64_t>::max();
  CanonicalCursor line(text);
  Op op;
  std::uint64_t handle = 0;
  if (!line.text("{\"op\":\"") || !canonical_kind(&line, &op.kind) || !line.integer(max_handle, &handle)) {
    return false;
  }
  op.handle = static_cast<Handle>(handle);
  if (op.kind != OpKind::free) {
    std::uint64_t attr = 0;
    if (!line.text(",\"attr\":") || !line.integer(std::numeric_limits<std::uint32_t>::max(), &attr) ||
        !line.text(",\"size\":") || !line.integer(max64, &op.size_bytes)) {
      return false;
    }
    op.attr = static_cast<std::uint32_t>(attr);
    if (line.text(",\"align\":") && (!line.integer(max64, &op.align_bytes) || !is_power_of_two(op.align_bytes))) {
      return false;  // parse_op says what is wrong with it
    }
  }
  if (!line.last('}')) {
    return false;
  }
  *out = op;
  return true;
}

void append_op_json(const Op& op, std::string* out) {
  LineBuffer line;
  line.put("{\"op\":\"");
  line.put(op_names()[static_cast<unsigned>(op.kind)]);
  line.put('"');
  line.key("handle");
  line.put_u64(op.handle);
  const unsigned fields = op_fields(op.kind);
  if ((fields & op_field_attr_size_align) != 0) {
    if (op.kind == OpKind::alloc && op.fallback_count != 0) {
      line.key("prefer");
      for (unsigned i = 0; i < op.attr_count(); ++i) {
        line.put(i == 0 ? '[' : ',');
        line.put_u64(op.attr_at(i));
      }
      line.put(']');
    } else {
      line.key("attr");
      line.put_u64(op.attr);
    }
    line.key("size");
    line.put_u64(op.size_bytes);
    if (op.align_bytes != 0) {
      line.key("align");
      line.put_u64(op.align_bytes);
    }
  }
  if ((fields & op_field_offset) != 0 && op.offset_bytes != 0) {
    line.key("offset");
    line.put_u64(op.offset_bytes);
  }
  if ((fields & op_field_length) != 0 && op.length_bytes != 0) {
    line.key("length");
    line.put_u64(op.length_bytes);
  }
  line.put('}');
  line.append_to(out);
}

}  // namespace smh::sim::detail
