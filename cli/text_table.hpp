// A plain-text table: columns as wide as their widest cell, two spaces apart,
// text left-aligned and numbers right-aligned.
#pragma once

#include <string>
#include <vector>

namespace smh::cli {

class TextTable {
 public:
  enum class Align : unsigned char { left, right };

  // One entry per column; the header row is the first row.
  TextTable(std::vector<std::string> header, std::vector<Align> align);
  void add_row(std::vector<std::string> cells);
  // Every row prefixed by `indent`, ending in '\n'; no trailing spaces.
  [[nodiscard]] std::string render(const std::string& indent) const;

 private:
  std::vector<std::vector<std::string>> rows_;
  std::vector<Align> align_;
};

}  // namespace smh::cli
