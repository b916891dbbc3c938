//===- ModelConfig.cpp - typed, bounds-checked config.json fields ---------===//

#include "frontend/native/ModelConfig.h"

#include "frontend/native/Json.h"

#include "llvm/Support/MemoryBuffer.h"

#include <cmath>

namespace tessera::native {

namespace {

/// config.json files are a few kilobytes; anything this large is not one.
constexpr uint64_t kMaxConfigBytes = 16 << 20;

std::string describe(const llvm::json::Value &value) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << value;
  if (text.size() > 40)
    text = text.substr(0, 37) + "...";
  return text;
}

} // namespace

llvm::Expected<ModelConfig> ModelConfig::load(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return llvm::createStringError(
        path + ": cannot read: " + buffer.getError().message());
  if ((*buffer)->getBufferSize() > kMaxConfigBytes)
    return llvm::createStringError(path + ": larger than 16 MiB; not a "
                                          "config.json");
  auto json = parseJson((*buffer)->getBuffer(), path);
  if (!json)
    return json.takeError();
  llvm::json::Object *object = json->getAsObject();
  if (!object)
    return llvm::createStringError(path + ": not a JSON object");
  return ModelConfig(path.str(), std::move(*object));
}

const llvm::json::Value *ModelConfig::get(llvm::StringRef key) const {
  const llvm::json::Value *value = object_.get(key);
  return value && value->kind() != llvm::json::Value::Null ? value : nullptr;
}

bool ModelConfig::isSet(llvm::StringRef key) const { return get(key); }

void ModelConfig::fail(llvm::StringRef key, const llvm::Twine &message) {
  if (!firstError_)
    firstError_ = path_ + ": field '" + key.str() + "': " + message.str();
}

llvm::Error ModelConfig::takeError() {
  if (!firstError_)
    return llvm::Error::success();
  llvm::Error error = llvm::createStringError(*firstError_);
  firstError_.reset();
  return error;
}

int64_t ModelConfig::dimension(llvm::StringRef key,
                               std::optional<int64_t> fallback) {
  const llvm::json::Value *value = get(key);
  if (!value) {
    if (!fallback)
      fail(key, "required, but absent");
    return fallback.value_or(0);
  }
  std::optional<int64_t> n = value->getAsInteger();
  if (!n || *n < 1 || *n > kMaxDimension) {
    fail(key, "expected an integer in [1, " + llvm::Twine(kMaxDimension) +
                  "], got " + describe(*value));
    return fallback.value_or(0);
  }
  return *n;
}

double ModelConfig::positiveNumber(llvm::StringRef key, double fallback) {
  const llvm::json::Value *value = get(key);
  if (!value)
    return fallback;
  std::optional<double> x = value->getAsNumber();
  if (!x || !std::isfinite(*x) || *x <= 0) {
    fail(key, "expected a finite number > 0, got " + describe(*value));
    return fallback;
  }
  return *x;
}

bool ModelConfig::boolean(llvm::StringRef key, bool fallback) {
  const llvm::json::Value *value = get(key);
  if (!value)
    return fallback;
  std::optional<bool> b = value->getAsBoolean();
  if (!b) {
    fail(key, "expected true or false, got " + describe(*value));
    return fallback;
  }
  return *b;
}

std::string ModelConfig::string(llvm::StringRef key, llvm::StringRef fallback) {
  const llvm::json::Value *value = get(key);
  if (!value)
    return fallback.str();
  std::optional<llvm::StringRef> s = value->getAsString();
  if (!s) {
    fail(key, "expected a string, got " + describe(*value));
    return fallback.str();
  }
  return s->str();
}

int64_t ModelConfig::objectSize(llvm::StringRef key, int64_t fallback) {
  const llvm::json::Value *value = get(key);
  if (!value)
    return fallback;
  const llvm::json::Object *object = value->getAsObject();
  if (!object) {
    fail(key, "expected an object, got " + describe(*value));
    return fallback;
  }
  return static_cast<int64_t>(object->size());
}

std::vector<std::string> ModelConfig::strings(llvm::StringRef key) {
  std::vector<std::string> out;
  const llvm::json::Value *value = get(key);
  if (!value)
    return out;
  const llvm::json::Array *array = value->getAsArray();
  if (!array) {
    fail(key, "expected an array of strings, got " + describe(*value));
    return out;
  }
  for (const llvm::json::Value &item : *array) {
    std::optional<llvm::StringRef> s = item.getAsString();
    if (!s) {
      fail(key,
           "expected an array of strings, got an element " + describe(item));
      return {};
    }
    out.push_back(s->str());
  }
  return out;
}

} // namespace tessera::native
