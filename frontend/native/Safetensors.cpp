//===- Safetensors.cpp - the safetensors checkpoint format ----------------===//

#include "frontend/native/Safetensors.h"

#include "frontend/native/Json.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <algorithm>

namespace tessera::native {

namespace {

/// The safetensors specification caps the header at 100 MB.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

llvm::Error fail(llvm::StringRef path, const llvm::Twine &message) {
  return llvm::createStringError(path + ": " + message);
}

/// A non-negative integer JSON value.
std::optional<int64_t> nonNegative(const llvm::json::Value &value) {
  std::optional<int64_t> n = value.getAsInteger();
  if (!n || *n < 0)
    return std::nullopt;
  return n;
}

struct Entry {
  std::string name;
  TensorView view;
  uint64_t begin = 0, end = 0;
};

/// One header entry, checked against the `dataBytes` after the header.
llvm::Expected<Entry> parseEntry(llvm::StringRef path, llvm::StringRef name,
                                 const llvm::json::Value &value,
                                 uint64_t dataBytes) {
  auto refuse = [&](const llvm::Twine &why) {
    return fail(path, "tensor '" + name + "': " + why);
  };
  const llvm::json::Object *object = value.getAsObject();
  if (!object)
    return refuse("header entry is not an object");
  Entry entry;
  entry.name = name.str();
  entry.view.file = path.str();

  std::optional<llvm::StringRef> dtypeText = object->getString("dtype");
  if (!dtypeText)
    return refuse("no \"dtype\" string");
  std::optional<DType> dtype = parseDType(*dtypeText);
  if (!dtype)
    return refuse("unknown dtype '" + *dtypeText + "'");
  entry.view.dtype = *dtype;

  const llvm::json::Array *shape = object->getArray("shape");
  if (!shape)
    return refuse("no \"shape\" array");
  for (const llvm::json::Value &dim : *shape) {
    std::optional<int64_t> n = nonNegative(dim);
    if (!n)
      return refuse("\"shape\" holds something other than a non-negative "
                    "integer");
    entry.view.shape.push_back(*n);
  }

  const llvm::json::Array *offsets = object->getArray("data_offsets");
  if (!offsets || offsets->size() != 2)
    return refuse("\"data_offsets\" is not a pair [begin, end]");
  std::optional<int64_t> begin = nonNegative((*offsets)[0]);
  std::optional<int64_t> end = nonNegative((*offsets)[1]);
  if (!begin || !end || *begin > *end)
    return refuse("\"data_offsets\" is not a pair of integers 0 <= begin <= "
                  "end");
  entry.begin = static_cast<uint64_t>(*begin);
  entry.end = static_cast<uint64_t>(*end);
  if (entry.end > dataBytes)
    return refuse("data_offsets [" + llvm::Twine(entry.begin) + ", " +
                  llvm::Twine(entry.end) + "] run past the end of the data (" +
                  llvm::Twine(dataBytes) + " bytes after the header)");

  std::optional<int64_t> count = elementCount(entry.view.shape);
  uint64_t bytes = 0;
  if (!count || __builtin_mul_overflow(static_cast<uint64_t>(*count),
                                       dtypeBytes(*dtype), &bytes))
    return refuse("shape " + formatShape(entry.view.shape) + " is too large");
  if (bytes != entry.end - entry.begin)
    return refuse(llvm::Twine(dtypeName(*dtype)) + " " +
                  formatShape(entry.view.shape) + " needs " +
                  llvm::Twine(bytes) + " bytes but data_offsets hold " +
                  llvm::Twine(entry.end - entry.begin));
  return entry;
}

} // namespace

llvm::Error readSafetensorsFile(llvm::StringRef path, TensorTable &table) {
  if (llvm::sys::IsBigEndianHost)
    return fail(path, "safetensors data is little-endian; this host is not");
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return fail(path, "cannot read: " + buffer.getError().message());
  llvm::StringRef file = (*buffer)->getBuffer();
  if (file.size() < 8)
    return fail(path, "too short for a safetensors file (" +
                          llvm::Twine(file.size()) +
                          " bytes; the header length alone takes 8)");
  uint64_t headerBytes = llvm::support::endian::read64le(file.data());
  if (headerBytes > file.size() - 8)
    return fail(path, "header length " + llvm::Twine(headerBytes) +
                          " runs past the end of the file (" +
                          llvm::Twine(file.size()) + " bytes)");
  if (headerBytes > kMaxHeaderBytes)
    return fail(path, "header length " + llvm::Twine(headerBytes) +
                          " exceeds the format's 100 MB limit");
  llvm::StringRef header = file.substr(8, headerBytes);
  if (!header.starts_with("{"))
    return fail(path, "the header does not start with '{': not a "
                      "safetensors file");
  auto json = parseJson(header, path.str() + ": header");
  if (!json)
    return json.takeError();
  const llvm::json::Object *object = json->getAsObject();
  if (!object)
    return fail(path, "the header is not a JSON object");

  const char *data = file.data() + 8 + headerBytes;
  uint64_t dataBytes = file.size() - 8 - headerBytes;
  // In name order, so that the first bad entry reported does not depend on
  // hashing.
  std::vector<llvm::StringRef> names;
  for (const auto &member : *object)
    if (member.first != "__metadata__")
      names.push_back(member.first);
  llvm::sort(names);
  std::vector<Entry> entries;
  for (llvm::StringRef name : names) {
    auto entry = parseEntry(path, name, *object->get(name), dataBytes);
    if (!entry)
      return entry.takeError();
    entries.push_back(std::move(*entry));
  }
  // As the format requires: the tensors tile the data exactly, with no
  // overlap (aliased weights) and no hole or tail (hidden content).
  llvm::stable_sort(entries, [](const Entry &a, const Entry &b) {
    return std::tie(a.begin, a.end) < std::tie(b.begin, b.end);
  });
  uint64_t covered = 0;
  const Entry *previous = nullptr;
  for (const Entry &entry : entries) {
    auto range = [](const Entry &e) {
      return "[" + std::to_string(e.begin) + ", " + std::to_string(e.end) + ")";
    };
    if (entry.begin < covered)
      return fail(path, "tensors '" + previous->name + "' " + range(*previous) +
                            " and '" + entry.name + "' " + range(entry) +
                            " overlap in the data");
    if (entry.begin > covered)
      return fail(path, "tensor '" + entry.name + "' begins at data byte " +
                            llvm::Twine(entry.begin) + ", leaving bytes [" +
                            llvm::Twine(covered) + ", " +
                            llvm::Twine(entry.begin) + ") unused");
    covered = entry.end;
    previous = &entry;
  }
  if (covered != dataBytes)
    return fail(path, "the tensors cover " + llvm::Twine(covered) + " of the " +
                          llvm::Twine(dataBytes) +
                          " data bytes after the header");

  for (Entry &entry : entries) {
    entry.view.bytes =
        llvm::ArrayRef<char>(data + entry.begin, entry.end - entry.begin);
    if (llvm::Error err = table.add(entry.name, std::move(entry.view)))
      return err;
  }
  table.keepMapped(std::move(*buffer));
  return llvm::Error::success();
}

llvm::Error readSafetensorsDir(llvm::StringRef dir, TensorTable &table) {
  llvm::SmallString<256> single(dir);
  llvm::sys::path::append(single, "model.safetensors");
  if (llvm::sys::fs::exists(single))
    return readSafetensorsFile(single, table);

  llvm::SmallString<256> indexPath(dir);
  llvm::sys::path::append(indexPath, "model.safetensors.index.json");
  if (!llvm::sys::fs::exists(indexPath)) {
    llvm::SmallString<256> pickle(dir);
    llvm::sys::path::append(pickle, "pytorch_model.bin");
    return fail(dir, llvm::sys::fs::exists(pickle)
                         ? "has pytorch_model.bin but no model.safetensors: "
                           "PyTorch pickles are not read (convert the "
                           "checkpoint to safetensors)"
                         : "no model.safetensors (nor "
                           "model.safetensors.index.json) in the directory");
  }
  auto text = llvm::MemoryBuffer::getFile(indexPath, /*IsText=*/true);
  if (!text)
    return fail(indexPath, "cannot read: " + text.getError().message());
  auto json = parseJson((*text)->getBuffer(), indexPath);
  if (!json)
    return json.takeError();
  const llvm::json::Object *index = json->getAsObject();
  const llvm::json::Object *weightMap =
      index ? index->getObject("weight_map") : nullptr;
  if (!weightMap)
    return fail(indexPath, "no \"weight_map\" object");
  // In name order, so that the first bad entry reported does not depend on
  // hashing.
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto &[name, value] : *weightMap) {
    std::optional<llvm::StringRef> shard = value.getAsString();
    // Shards are plain file names: the index cannot point outside the
    // directory.
    if (!shard || shard->empty() ||
        shard->find_first_of("/\\") != llvm::StringRef::npos || *shard == "." ||
        *shard == "..")
      return fail(indexPath, "weight_map entry '" + name.str() +
                                 "' is not a file name inside the directory");
    entries.push_back({name.str(), shard->str()});
  }
  llvm::sort(entries);
  llvm::StringSet<> read;
  for (const auto &[name, shard] : entries) {
    if (!read.insert(shard).second)
      continue;
    llvm::SmallString<256> shardPath(dir);
    llvm::sys::path::append(shardPath, shard);
    if (llvm::Error err = readSafetensorsFile(shardPath, table))
      return err;
  }
  for (const auto &[name, shard] : entries)
    if (!table.contains(name))
      return fail(indexPath, "tensor '" + name + "' is mapped to " + shard +
                                 ", which lacks it");
  return llvm::Error::success();
}

} // namespace tessera::native
