// What the importer tests share: importing a text (written to a scratch file)
// into its ops, statistics and error, and ops written briefly.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "smh/sim/import.hpp"
#include "trace_files.hpp"

namespace smh::sim::test {

struct Imported {
  std::vector<Op> ops;
  ImportStats stats;
  ImportError error;  // message empty: the import completed
};

// Imports the file at `path` to its end or its first error.
inline Imported import_file(const std::string& path, const ImportOptions& options) {
  Imported out;
  std::unique_ptr<Importer> importer = Importer::open(path, options, &out.error);
  if (!importer) {
    return out;
  }
  Op op;
  while (importer->next(&op, &out.error)) {
    out.ops.push_back(op);
  }
  out.stats = importer->stats();
  if (!out.error.message.empty()) {
    ImportError again;
    EXPECT_FALSE(importer->next(&op, &again));
    EXPECT_EQ(again.to_string(), out.error.to_string()) << "errors are sticky";
  }
  return out;
}

inline Imported import_text(std::string_view text, const ImportOptions& options, std::string_view name = "in.txt") {
  const ScratchDir dir("import");
  const std::string path = dir.file(name);
  write_file(path, text);
  return import_file(path, options);
}

inline ImportOptions options_for(ImportFormat format, MatchMode mode = MatchMode::exact) {
  ImportOptions options;
  options.format = format;
  options.mode = mode;
  return options;
}

// "alloc 1 attr 0 size 16 align 0", "free 1": ops as a failure message shows them.
inline std::string describe(const Op& op) {
  std::string out = std::string(to_string(op.kind)) + " " + std::to_string(op.handle);
  if (op.kind == OpKind::alloc || op.kind == OpKind::realloc) {
    out += " attr " + std::to_string(op.attr) + " size " + std::to_string(op.size_bytes) + " align " +
           std::to_string(op.align_bytes);
  }
  return out;
}
inline std::vector<std::string> describe(const std::vector<Op>& ops) {
  std::vector<std::string> out;
  for (const Op& op : ops) {
    out.push_back(describe(op));
  }
  return out;
}

inline Op alloc_op(Handle handle, std::uint32_t attr, std::uint64_t size_bytes, std::uint64_t align_bytes = 0) {
  Op op;
  op.kind = OpKind::alloc;
  op.handle = handle;
  op.attr = attr;
  op.size_bytes = size_bytes;
  op.align_bytes = align_bytes;
  return op;
}
inline Op realloc_op(Handle handle, std::uint32_t attr, std::uint64_t size_bytes, std::uint64_t align_bytes = 0) {
  Op op = alloc_op(handle, attr, size_bytes, align_bytes);
  op.kind = OpKind::realloc;
  return op;
}
inline Op free_op(Handle handle) {
  Op op;
  op.kind = OpKind::free;
  op.handle = handle;
  return op;
}

}  // namespace smh::sim::test
