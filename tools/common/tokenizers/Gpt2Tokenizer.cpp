#include "tools/common/tokenizers/Gpt2Tokenizer.h"

#include "tools/common/tokenizers/Unicode.h"
#include "tools/common/tokenizers/Utf8.h"

#include <algorithm>
#include <cstdio>
#include <new>
#include <queue>
#include <stdexcept>

namespace tessera::tokenizers {
namespace {

constexpr int64_t kMaxTokenId = (int64_t(1) << 24) - 1;

// ---------------------------------------------------------------------------
// encoder.json: one JSON object whose members are string -> integer. A small
// bounds-checked parser for exactly that (any other JSON is an error).
class JsonVocabParser {
public:
  JsonVocabParser(std::string_view text, const std::string &name)
      : s_(text), name_(name) {}

  // Calls add(key, id) for each member; stops at the first error.
  template <typename Add> Error parse(Add add) {
    skipSpace();
    if (!consume('{'))
      return fail("expected '{' at the start");
    skipSpace();
    if (consume('}'))
      return finish();
    while (true) {
      skipSpace();
      std::string key;
      if (Error e = parseString(key); !e.ok())
        return e;
      skipSpace();
      if (!consume(':'))
        return fail("expected ':' after a key");
      skipSpace();
      int64_t value;
      if (Error e = parseInt(value); !e.ok())
        return e;
      if (Error e = add(std::move(key), value, pos_); !e.ok())
        return e;
      skipSpace();
      if (consume(','))
        continue;
      if (consume('}'))
        return finish();
      return fail("expected ',' or '}' after a value");
    }
  }

  Error fail(const std::string &what) const {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < pos_ && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return Error(ErrorCode::Malformed, name_ + ":" + std::to_string(line) +
                                           ":" + std::to_string(col) + ": " +
                                           what);
  }

private:
  Error finish() {
    skipSpace();
    if (pos_ != s_.size())
      return fail("unexpected data after the object");
    return Error();
  }
  void skipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' ||
                                s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  bool consume(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool hex4(uint32_t &v) {
    if (s_.size() - pos_ < 4)
      return false;
    v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_ + i];
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (d < 0)
        return false;
      v = v << 4 | uint32_t(d);
    }
    pos_ += 4;
    return true;
  }
  Error parseString(std::string &out) {
    if (!consume('"'))
      return fail("expected a string");
    while (true) {
      if (pos_ >= s_.size())
        return fail("unterminated string");
      char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        break;
      }
      if (static_cast<unsigned char>(c) < 0x20)
        return fail("control character in a string");
      if (c != '\\') {
        Utf8Char u = decodeUtf8(s_, pos_);
        if (!u.valid)
          return fail("invalid UTF-8 in a string");
        out.append(s_.substr(pos_, u.len));
        pos_ += u.len;
        continue;
      }
      ++pos_;
      if (pos_ >= s_.size())
        return fail("unterminated escape");
      char e = s_[pos_++];
      switch (e) {
      case '"':
        out.push_back('"');
        break;
      case '\\':
        out.push_back('\\');
        break;
      case '/':
        out.push_back('/');
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'u': {
        uint32_t cp;
        if (!hex4(cp))
          return fail("bad \\u escape");
        if (cp >= 0xDC00 && cp <= 0xDFFF)
          return fail("unpaired low surrogate in \\u escape");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t lo;
          if (!consume('\\') || !consume('u') || !hex4(lo) || lo < 0xDC00 ||
              lo > 0xDFFF)
            return fail("unpaired high surrogate in \\u escape");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        appendUtf8(out, cp);
        break;
      }
      default:
        return fail(std::string("unknown escape \\") + e);
      }
    }
    return Error();
  }
  Error parseInt(int64_t &v) {
    size_t start = pos_;
    bool neg = consume('-');
    size_t digits = 0;
    v = 0;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      if (v > kMaxTokenId)
        return fail("token id too large");
      v = v * 10 + (s_[pos_] - '0');
      ++pos_;
      ++digits;
    }
    if (digits == 0 ||
        (pos_ < s_.size() &&
         (s_[pos_] == '.' || s_[pos_] == 'e' || s_[pos_] == 'E'))) {
      pos_ = start;
      return fail("expected an integer token id");
    }
    if (neg)
      v = -v;
    return Error();
  }

  std::string_view s_;
  const std::string &name_;
  size_t pos_ = 0;
};

// ---------------------------------------------------------------------------
// Pre-tokenizer.
enum class CharClass : uint8_t { Letter, Number, Space, Other };

struct Unit {
  uint32_t pos;
  uint32_t len;
  uint32_t cp;
  CharClass cls;
};

CharClass classify(const Utf8Char &c) {
  if (!c.valid)
    return CharClass::Other;
  if (unicode::isWhiteSpace(c.cp))
    return CharClass::Space;
  if (unicode::isLetter(c.cp))
    return CharClass::Letter;
  if (unicode::isNumber(c.cp))
    return CharClass::Number;
  return CharClass::Other;
}

// Length in bytes of a contraction ('s 't 're 've 'm 'll 'd) at text[pos].
size_t contractionAt(std::string_view text, size_t pos) {
  if (text[pos] != '\'' || pos + 1 >= text.size())
    return 0;
  char a = text[pos + 1];
  if (a == 's' || a == 't' || a == 'm' || a == 'd')
    return 2;
  if (pos + 2 < text.size()) {
    char b = text[pos + 2];
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') ||
        (a == 'l' && b == 'l'))
      return 3;
  }
  return 0;
}

} // namespace

std::array<uint32_t, 256> Gpt2Tokenizer::byteToUnicode() {
  std::array<uint32_t, 256> map{};
  uint32_t next = 256;
  for (uint32_t b = 0; b < 256; ++b) {
    bool printable =
        (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
    map[b] = printable ? b : next++;
  }
  return map;
}

std::vector<std::string_view>
Gpt2Tokenizer::preTokenize(std::string_view text) {
  std::vector<Unit> units;
  units.reserve(text.size());
  for (size_t p = 0; p < text.size();) {
    Utf8Char c = decodeUtf8(text, p);
    units.push_back(Unit{uint32_t(p), c.len, c.cp, classify(c)});
    p += c.len;
  }
  std::vector<std::string_view> pieces;
  const size_t n = units.size();
  auto emit = [&](size_t from, size_t to) { // unit range [from, to)
    size_t b = units[from].pos;
    size_t e = to < n ? units[to].pos : text.size();
    pieces.push_back(text.substr(b, e - b));
  };
  auto runEnd = [&](size_t from, CharClass cls) {
    size_t j = from;
    while (j < n && units[j].cls == cls)
      ++j;
    return j;
  };
  size_t i = 0;
  while (i < n) {
    // 's|'t|'re|'ve|'m|'ll|'d
    if (units[i].cp == '\'') {
      size_t len = contractionAt(text, units[i].pos);
      if (len) {
        emit(i, i + len); // all ASCII: one unit per byte
        i += len;
        continue;
      }
    }
    // ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+': an optional leading space
    // (U+0020 only), then a run of one class.
    size_t start = i;
    size_t first =
        units[i].cp == ' ' && i + 1 < n && units[i + 1].cls != CharClass::Space
            ? i + 1
            : i;
    CharClass cls = units[first].cls;
    if (cls != CharClass::Space) {
      size_t j = runEnd(first, cls);
      emit(start, j);
      i = j;
      continue;
    }
    // '\s+(?!\S)' then '\s+'.
    size_t j = runEnd(i, CharClass::Space);
    if (j < n && j - i >= 2)
      j -= 1; // leave the last space to the piece that follows
    emit(i, j);
    i = j;
  }
  return pieces;
}

Expected<std::unique_ptr<Gpt2Tokenizer>>
Gpt2Tokenizer::load(const std::string &encoderJsonPath,
                    const std::string &vocabBpePath) {
  Expected<std::string> enc = readFile(encoderJsonPath);
  if (!enc)
    return enc.error();
  Expected<std::string> merges = readFile(vocabBpePath);
  if (!merges)
    return merges.error();
  return fromStrings(*enc, *merges, encoderJsonPath, vocabBpePath);
}

Expected<std::unique_ptr<Gpt2Tokenizer>> Gpt2Tokenizer::fromStrings(
    std::string_view encoderJson, std::string_view vocabBpe,
    const std::string &encoderName, const std::string &mergesName) {
  try {
    std::unique_ptr<Gpt2Tokenizer> t(new Gpt2Tokenizer());

    // encoder.json
    JsonVocabParser parser(encoderJson, encoderName);
    int64_t maxId = -1;
    Error e = parser.parse([&](std::string key, int64_t id, size_t) -> Error {
      if (id < 0)
        return parser.fail("negative token id " + std::to_string(id));
      if (id > kMaxTokenId)
        return parser.fail("token id too large: " + std::to_string(id));
      auto inserted =
          t->tokenToId_.emplace(std::move(key), static_cast<TokenId>(id));
      if (!inserted.second)
        return parser.fail("token \"" + inserted.first->first +
                           "\" is listed twice");
      maxId = std::max(maxId, id);
      return Error();
    });
    if (!e.ok())
      return e;
    if (t->tokenToId_.empty())
      return Error(ErrorCode::Malformed,
                   encoderName + ": the vocabulary is empty");
    // Ids index a table: they must be (nearly) dense.
    if (size_t(maxId) >= 2 * t->tokenToId_.size() + 1024)
      return Error(ErrorCode::Malformed,
                   encoderName + ": token ids are too sparse (largest " +
                       std::to_string(maxId) + " for " +
                       std::to_string(t->tokenToId_.size()) + " tokens)");
    t->idToToken_.resize(size_t(maxId) + 1);
    t->hasId_.resize(size_t(maxId) + 1, false);
    for (const auto &[key, id] : t->tokenToId_) {
      if (t->hasId_[id])
        return Error(ErrorCode::Malformed,
                     encoderName + ": token id " + std::to_string(id) +
                         " is used twice (\"" + t->idToToken_[id] +
                         "\" and \"" + key + "\")");
      t->idToToken_[id] = key;
      t->hasId_[id] = true;
    }

    std::array<uint32_t, 256> b2u = byteToUnicode();
    for (uint32_t b = 0; b < 256; ++b) {
      auto it = t->tokenToId_.find(encodeUtf8(b2u[b]));
      if (it == t->tokenToId_.end()) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02X", b);
        return Error(ErrorCode::Malformed,
                     encoderName + ": no token for byte " + hex +
                         " (not a byte-level BPE vocabulary)");
      }
      t->byteToId_[b] = it->second;
      t->unicodeToByte_[b2u[b]] = static_cast<uint8_t>(b);
    }

    // vocab.bpe: "#version ..." first, then one merge "left right" a line.
    size_t lineNo = 0;
    uint32_t rank = 0;
    for (size_t pos = 0; pos < vocabBpe.size();) {
      size_t eol = vocabBpe.find('\n', pos);
      if (eol == std::string_view::npos)
        eol = vocabBpe.size();
      std::string_view line = vocabBpe.substr(pos, eol - pos);
      pos = eol + 1;
      ++lineNo;
      if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);
      if (line.empty() || (lineNo == 1 && line.substr(0, 8) == "#version"))
        continue;
      auto where = [&] {
        return mergesName + ":" + std::to_string(lineNo) + ": ";
      };
      size_t sp = line.find(' ');
      if (sp == std::string_view::npos || sp == 0 || sp + 1 == line.size() ||
          line.find(' ', sp + 1) != std::string_view::npos)
        return Error(ErrorCode::Malformed,
                     where() + "expected two symbols separated by one space");
      std::string left(line.substr(0, sp)), right(line.substr(sp + 1));
      auto l = t->tokenToId_.find(left), r = t->tokenToId_.find(right);
      auto m = t->tokenToId_.find(left + right);
      if (l == t->tokenToId_.end() || r == t->tokenToId_.end())
        return Error(ErrorCode::Malformed,
                     where() + "merge of a symbol not in the vocabulary");
      if (m == t->tokenToId_.end())
        return Error(ErrorCode::Malformed, where() + "the merged symbol \"" +
                                               left + right +
                                               "\" is not in the vocabulary");
      uint64_t key = uint64_t(uint32_t(l->second)) << 32 | uint32_t(r->second);
      t->merges_[key] = Merge{
          rank++,
          m->second}; // a repeated pair: the later rank wins, as in HF/OpenAI
    }
    return std::move(t);
  } catch (const std::bad_alloc &) {
    return Error(ErrorCode::OutOfMemory,
                 encoderName + ": out of memory while loading");
  } catch (const std::length_error &) {
    return Error(ErrorCode::OutOfMemory,
                 encoderName + ": out of memory while loading");
  }
}

void Gpt2Tokenizer::bpe(std::string_view word,
                        std::vector<TokenId> &out) const {
  const size_t n = word.size();
  if (n == 1) {
    out.push_back(byteToId_[static_cast<uint8_t>(word[0])]);
    return;
  }
  struct Sym {
    TokenId id;
    int32_t prev, next;
  };
  std::vector<Sym> syms(n);
  for (size_t i = 0; i < n; ++i)
    syms[i] = Sym{byteToId_[static_cast<uint8_t>(word[i])], int32_t(i) - 1,
                  i + 1 < n ? int32_t(i + 1) : -1};
  struct Cand {
    uint32_t rank;
    int32_t pos;
    TokenId left, right;
    bool operator>(const Cand &o) const {
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  std::priority_queue<Cand, std::vector<Cand>, std::greater<Cand>> queue;
  auto consider = [&](int32_t pos) {
    if (pos < 0 || syms[pos].next < 0)
      return;
    TokenId l = syms[pos].id, r = syms[syms[pos].next].id;
    auto it = merges_.find(uint64_t(uint32_t(l)) << 32 | uint32_t(r));
    if (it != merges_.end())
      queue.push(Cand{it->second.rank, pos, l, r});
  };
  for (size_t i = 0; i + 1 < n; ++i)
    consider(int32_t(i));
  while (!queue.empty()) {
    Cand c = queue.top();
    queue.pop();
    Sym &s = syms[c.pos];
    if (s.id != c.left || s.next < 0 || syms[s.next].id != c.right)
      continue; // stale
    auto it =
        merges_.find(uint64_t(uint32_t(c.left)) << 32 | uint32_t(c.right));
    int32_t gone = s.next;
    s.id = it->second.result;
    s.next = syms[gone].next;
    if (s.next >= 0)
      syms[s.next].prev = c.pos;
    syms[gone].id = -1;
    consider(s.prev);
    consider(c.pos);
  }
  for (int32_t i = 0; i >= 0; i = syms[i].next)
    out.push_back(syms[i].id);
}

std::vector<TokenId> Gpt2Tokenizer::encode(std::string_view text) const {
  std::vector<TokenId> ids;
  for (std::string_view piece : preTokenize(text))
    bpe(piece, ids);
  return ids;
}

Expected<std::string>
Gpt2Tokenizer::decode(const std::vector<TokenId> &ids) const {
  std::string text;
  for (TokenId id : ids) {
    if (id < 0 || static_cast<size_t>(id) >= idToToken_.size() || !hasId_[id])
      return Error(ErrorCode::InvalidId, "token id " + std::to_string(id) +
                                             " is not in the GPT-2 vocabulary");
    text += idToToken_[id];
  }
  std::string bytes;
  bytes.reserve(text.size());
  for (size_t p = 0; p < text.size();) {
    Utf8Char c = decodeUtf8(text, p);
    auto it = unicodeToByte_.find(c.cp);
    if (c.valid && it != unicodeToByte_.end())
      bytes.push_back(static_cast<char>(it->second));
    else
      bytes.append(text, p, c.len); // not a byte-level symbol: kept as it is
    p += c.len;
  }
  return bytes;
}

std::string_view Gpt2Tokenizer::idToPiece(TokenId id) const {
  if (id < 0 || static_cast<size_t>(id) >= idToToken_.size() || !hasId_[id])
    return {};
  return idToToken_[id];
}

std::optional<TokenId> Gpt2Tokenizer::pieceToId(std::string_view piece) const {
  auto it = tokenToId_.find(std::string(piece));
  if (it == tokenToId_.end())
    return std::nullopt;
  return it->second;
}

} // namespace tessera::tokenizers
