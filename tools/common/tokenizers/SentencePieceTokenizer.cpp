#include "tools/common/tokenizers/SentencePieceTokenizer.h"

#include "tools/common/tokenizers/ProtoWire.h"
#include "tools/common/tokenizers/Utf8.h"

#include <algorithm>
#include <cmath>
#include <new>
#include <queue>
#include <stdexcept>

namespace tessera::tokenizers {
namespace {

constexpr size_t kMaxPieces = size_t(1) << 24;

// "<0x41>" -> 0x41; -1 for anything else.
int parseBytePiece(std::string_view s) {
  if (s.size() != 6 || s.substr(0, 3) != "<0x" || s[5] != '>')
    return -1;
  int v = 0;
  for (size_t i = 3; i < 5; ++i) {
    char c = s[i];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0)
      return -1;
    v = v * 16 + d;
  }
  return v;
}

std::string malformed(const std::string &name, const std::string &what) {
  return name + ": " + what;
}

} // namespace

Error SentencePieceTokenizer::finishLoad(const std::string &name) {
  if (pieces_.empty())
    return Error(ErrorCode::Malformed, malformed(name, "no pieces"));
  byteToId_.fill(-1);
  pieceToId_.reserve(pieces_.size());
  for (size_t i = 0; i < pieces_.size(); ++i) {
    Piece &p = pieces_[i];
    if (p.type == PieceType::Byte) {
      int b = parseBytePiece(p.text);
      if (b < 0)
        return Error(ErrorCode::Malformed,
                     malformed(name, "byte piece " + std::to_string(i) +
                                         " is not of the form <0xXX>"));
      if (byteToId_[b] < 0)
        byteToId_[b] = TokenId(i);
    }
    bool inserted =
        pieceToId_.emplace(std::string_view(p.text), TokenId(i)).second;
    if (!inserted && format_ == Format::ModelProto)
      return Error(ErrorCode::Malformed,
                   malformed(name, "piece \"" + p.text + "\" (id " +
                                       std::to_string(i) +
                                       ") is defined twice"));
    // llama2.c files: the first of equal strings wins.
    if (p.type == PieceType::UserDefined && !p.text.empty())
      userDefined_.push_back(TokenId(i));
  }
  std::stable_sort(userDefined_.begin(), userDefined_.end(),
                   [&](TokenId a, TokenId b) {
                     return pieces_[a].text.size() > pieces_[b].text.size();
                   });
  return Error();
}

Expected<std::unique_ptr<SentencePieceTokenizer>>
SentencePieceTokenizer::loadLlama2c(const std::string &path,
                                    std::optional<size_t> vocabSize) {
  Expected<std::string> data = readFile(path);
  if (!data)
    return data.error();
  return fromLlama2cBytes(*data, vocabSize, path);
}

Expected<std::unique_ptr<SentencePieceTokenizer>>
SentencePieceTokenizer::fromLlama2cBytes(std::string_view data,
                                         std::optional<size_t> vocabSize,
                                         const std::string &name) {
  try {
    std::unique_ptr<SentencePieceTokenizer> t(new SentencePieceTokenizer());
    t->format_ = Format::Llama2c;
    t->space_ = " ";
    ByteReader r(data);
    int32_t maxLen;
    if (!r.readI32(maxLen))
      return Error(
          ErrorCode::Malformed,
          malformed(name, "too short for the max_token_length header"));
    if (maxLen <= 0 || maxLen > (1 << 20))
      return Error(ErrorCode::Malformed,
                   malformed(name, "implausible max_token_length " +
                                       std::to_string(maxLen)));
    t->maxTokenLength_ = uint32_t(maxLen);
    if (vocabSize && (*vocabSize == 0 || *vocabSize > kMaxPieces))
      return Error(ErrorCode::Malformed,
                   malformed(name, "implausible vocabulary size " +
                                       std::to_string(*vocabSize)));
    while (vocabSize ? t->pieces_.size() < *vocabSize : !r.atEnd()) {
      size_t id = t->pieces_.size();
      auto where = [&] {
        return "token " + std::to_string(id) + " (offset " +
               std::to_string(r.offset()) + ")";
      };
      if (id >= kMaxPieces)
        return Error(ErrorCode::Malformed,
                     malformed(name, "more than 2^24 tokens"));
      float score;
      int32_t len;
      std::string_view bytes;
      if (!r.readF32(score) || !r.readI32(len))
        return Error(
            ErrorCode::Malformed,
            malformed(name, "truncated at " + where() +
                                (vocabSize ? " (expected " +
                                                 std::to_string(*vocabSize) +
                                                 " tokens)"
                                           : std::string())));
      if (std::isnan(score))
        return Error(ErrorCode::Malformed,
                     malformed(name, where() + ": the score is NaN"));
      if (len < 0 || len > maxLen)
        return Error(ErrorCode::Malformed,
                     malformed(name, where() + ": length " +
                                         std::to_string(len) +
                                         " outside 0..max_token_length " +
                                         std::to_string(maxLen)));
      if (!r.readBytes(size_t(len), bytes))
        return Error(ErrorCode::Malformed,
                     malformed(name, where() + ": " + std::to_string(len) +
                                         " bytes announced, " +
                                         std::to_string(r.remaining()) +
                                         " left"));
      Piece p;
      p.text.assign(bytes);
      p.score = score;
      if (id == 0)
        p.type = PieceType::Unknown;
      else if (id == 1 || id == 2)
        p.type = PieceType::Control;
      else if (parseBytePiece(p.text) >= 0)
        p.type = PieceType::Byte;
      t->pieces_.push_back(std::move(p));
    }
    if (!r.atEnd())
      return Error(
          ErrorCode::Malformed,
          malformed(name, std::to_string(r.remaining()) + " bytes left after " +
                              std::to_string(t->pieces_.size()) + " tokens"));
    if (t->pieces_.size() < 3)
      return Error(ErrorCode::Malformed,
                   malformed(name, "fewer than the 3 tokens <unk>, BOS, EOS"));
    t->unkId_ = 0;
    t->bosId_ = 1;
    t->eosId_ = 2;
    t->addDummyPrefix_ = true;
    if (Error e = t->finishLoad(name); !e.ok())
      return e;
    return std::move(t);
  } catch (const std::bad_alloc &) {
    return Error(ErrorCode::OutOfMemory,
                 malformed(name, "out of memory while loading"));
  } catch (const std::length_error &) {
    return Error(ErrorCode::OutOfMemory,
                 malformed(name, "out of memory while loading"));
  }
}

Expected<std::unique_ptr<SentencePieceTokenizer>>
SentencePieceTokenizer::loadModelProto(const std::string &path) {
  Expected<std::string> data = readFile(path);
  if (!data)
    return data.error();
  return fromModelProtoBytes(*data, path);
}

Expected<std::unique_ptr<SentencePieceTokenizer>>
SentencePieceTokenizer::fromModelProtoBytes(std::string_view data,
                                            const std::string &name) {
  try {
    std::unique_ptr<SentencePieceTokenizer> t(new SentencePieceTokenizer());
    t->format_ = Format::ModelProto;
    t->space_ = "\xE2\x96\x81"; // U+2581
    // NormalizerSpec's proto2 defaults.
    t->addDummyPrefix_ = true;
    t->removeExtraWhitespaces_ = true;
    int32_t modelType = 1;      // UNIGRAM by default
    int32_t unkId = 0, bosId = 1, eosId = 2;
    bool treatWhitespaceAsSuffix = false;
    std::string normalizerName;
    bool hasCharsmap = false;
    auto protoError = [&](const std::string &where, const ProtoReader &r) {
      return Error(ErrorCode::Malformed,
                   malformed(name, where + ": " + r.error() + " (offset " +
                                       std::to_string(r.offset()) + ")"));
    };

    ProtoReader model(data);
    ProtoField f;
    while (model.next(f)) {
      if (f.number == 1) { // pieces
        if (f.type != WireType::LengthDelimited)
          return Error(ErrorCode::Malformed,
                       malformed(name, "ModelProto.pieces is not a message"));
        size_t id = t->pieces_.size();
        if (id >= kMaxPieces)
          return Error(ErrorCode::Malformed,
                       malformed(name, "more than 2^24 pieces"));
        Piece p;
        ProtoReader pr(f.bytes);
        ProtoField pf;
        while (pr.next(pf)) {
          if (pf.number == 1 && pf.type == WireType::LengthDelimited) {
            p.text.assign(pf.bytes);
          } else if (pf.number == 2 && pf.type == WireType::Fixed32) {
            p.score = pf.asFloat();
          } else if (pf.number == 3 && pf.type == WireType::Varint) {
            int32_t ty = pf.asInt32();
            if (ty < 1 || ty > 6)
              return Error(ErrorCode::Malformed,
                           malformed(name, "piece " + std::to_string(id) +
                                               " has unknown type " +
                                               std::to_string(ty)));
            p.type = static_cast<PieceType>(ty);
          } else if (pf.number <= 3) {
            return Error(ErrorCode::Malformed,
                         malformed(name, "piece " + std::to_string(id) +
                                             ": field " +
                                             std::to_string(pf.number) +
                                             " has the wrong wire type"));
          }
        }
        if (!pr.error().empty())
          return protoError("piece " + std::to_string(id), pr);
        if (std::isnan(p.score))
          return Error(ErrorCode::Malformed,
                       malformed(name, "piece " + std::to_string(id) +
                                           ": the score is NaN"));
        if (p.text.empty())
          return Error(
              ErrorCode::Malformed,
              malformed(name, "piece " + std::to_string(id) + " is empty"));
        t->pieces_.push_back(std::move(p));
      } else if (f.number == 2 &&
                 f.type == WireType::LengthDelimited) { // trainer_spec
        ProtoReader tr(f.bytes);
        ProtoField tf;
        while (tr.next(tf)) {
          if (tf.type != WireType::Varint)
            continue;
          switch (tf.number) {
          case 3:
            modelType = tf.asInt32();
            break;
          case 24:
            treatWhitespaceAsSuffix = tf.asBool();
            break;
          case 40:
            unkId = tf.asInt32();
            break;
          case 41:
            bosId = tf.asInt32();
            break;
          case 42:
            eosId = tf.asInt32();
            break;
          default:
            break;
          }
        }
        if (!tr.error().empty())
          return protoError("trainer_spec", tr);
      } else if (f.number == 3 &&
                 f.type == WireType::LengthDelimited) { // normalizer_spec
        ProtoReader nr(f.bytes);
        ProtoField nf;
        while (nr.next(nf)) {
          if (nf.number == 1 && nf.type == WireType::LengthDelimited)
            normalizerName.assign(nf.bytes);
          else if (nf.number == 2 && nf.type == WireType::LengthDelimited)
            hasCharsmap = !nf.bytes.empty();
          else if (nf.number == 3 && nf.type == WireType::Varint)
            t->addDummyPrefix_ = nf.asBool();
          else if (nf.number == 4 && nf.type == WireType::Varint)
            t->removeExtraWhitespaces_ = nf.asBool();
        }
        if (!nr.error().empty())
          return protoError("normalizer_spec", nr);
      }
    }
    if (!model.error().empty())
      return protoError("ModelProto", model);
    if (modelType != 2)
      return Error(
          ErrorCode::Unsupported,
          malformed(name,
                    "model_type " + std::to_string(modelType) +
                        " is not BPE (2); only BPE models are supported"));
    if (treatWhitespaceAsSuffix)
      return Error(
          ErrorCode::Unsupported,
          malformed(name, "treat_whitespace_as_suffix is not supported"));
    if (hasCharsmap)
      return Error(
          ErrorCode::Unsupported,
          malformed(name, "normalization rule \"" + normalizerName +
                              "\" (a precompiled charsmap) is not supported"));
    if (Error e = t->finishLoad(name); !e.ok())
      return e;
    auto special = [&](int32_t id, PieceType want, const char *what,
                       std::optional<TokenId> &out) -> Error {
      if (id < 0)
        return Error();
      if (size_t(id) >= t->pieces_.size() || t->pieces_[id].type != want)
        return Error(
            ErrorCode::Malformed,
            malformed(name, std::string(what) + " id " + std::to_string(id) +
                                " is not a piece of the expected type"));
      out = id;
      return Error();
    };
    if (Error e = special(unkId, PieceType::Unknown, "unk", t->unkId_); !e.ok())
      return e;
    if (Error e = special(bosId, PieceType::Control, "bos", t->bosId_); !e.ok())
      return e;
    if (Error e = special(eosId, PieceType::Control, "eos", t->eosId_); !e.ok())
      return e;
    return std::move(t);
  } catch (const std::bad_alloc &) {
    return Error(ErrorCode::OutOfMemory,
                 malformed(name, "out of memory while loading"));
  } catch (const std::length_error &) {
    return Error(ErrorCode::OutOfMemory,
                 malformed(name, "out of memory while loading"));
  }
}

std::optional<TokenId>
SentencePieceTokenizer::lookupMergeable(std::string_view s) const {
  auto it = pieceToId_.find(s);
  if (it == pieceToId_.end() || !mergeable(it->second))
    return std::nullopt;
  return it->second;
}

std::vector<TokenId> SentencePieceTokenizer::encode(std::string_view text,
                                                    bool addBos,
                                                    bool addEos) const {
  std::vector<TokenId> out;
  if (addBos && bosId_)
    out.push_back(*bosId_);

  // Normalize: optionally squeeze spaces, then the dummy prefix and ' ' as
  // the space symbol.
  std::string squeezed;
  if (removeExtraWhitespaces_) {
    for (char c : text) {
      if (c == ' ' && (squeezed.empty() || squeezed.back() == ' '))
        continue;
      squeezed.push_back(c);
    }
    while (!squeezed.empty() && squeezed.back() == ' ')
      squeezed.pop_back();
    text = squeezed;
  }
  if (!text.empty()) {
    std::string norm;
    norm.reserve(text.size() + space_.size() * 4);
    if (addDummyPrefix_)
      norm += space_;
    for (char c : text) {
      if (c == ' ')
        norm += space_;
      else
        norm.push_back(c);
    }

    // Initial symbols: user-defined pieces whole, else one per character,
    // else bytes.
    struct Sym {
      uint32_t start, len;
      TokenId id;
      int32_t prev, next;
      bool mergeable;
    };
    std::vector<Sym> syms;
    syms.reserve(norm.size());
    auto add = [&](uint32_t start, uint32_t len, TokenId id, bool canMerge) {
      int32_t idx = int32_t(syms.size());
      syms.push_back(Sym{start, len, id, idx - 1, -1, canMerge});
      if (idx > 0)
        syms[idx - 1].next = idx;
    };
    for (size_t p = 0; p < norm.size();) {
      std::string_view rest = std::string_view(norm).substr(p);
      bool matched = false;
      for (TokenId u : userDefined_) {
        const std::string &s = pieces_[u].text;
        if (rest.substr(0, s.size()) == s) {
          add(uint32_t(p), uint32_t(s.size()), u, true);
          p += s.size();
          matched = true;
          break;
        }
      }
      if (matched)
        continue;
      Utf8Char c = decodeUtf8(norm, p);
      if (c.valid) {
        if (std::optional<TokenId> id =
                lookupMergeable(rest.substr(0, c.len))) {
          add(uint32_t(p), c.len, *id, true);
          p += c.len;
          continue;
        }
      }
      bool allBytes = true;
      for (uint32_t i = 0; i < c.len; ++i)
        allBytes =
            allBytes && byteToId_[static_cast<uint8_t>(norm[p + i])] >= 0;
      if (allBytes) {
        for (uint32_t i = 0; i < c.len; ++i)
          add(uint32_t(p + i), 1, byteToId_[static_cast<uint8_t>(norm[p + i])],
              false);
      } else { // no byte fallback: one <unk> for the character
        add(uint32_t(p), c.len, unkId_ ? *unkId_ : 0, false);
      }
      p += c.len;
    }

    // Merge the best-scoring adjacent pair until none is a piece.
    struct Cand {
      float score;
      int32_t pos;
      uint32_t leftLen, rightLen;
      TokenId id;
    };
    auto worse = [](const Cand &a, const Cand &b) {
      return a.score != b.score ? a.score < b.score : a.pos > b.pos;
    };
    std::priority_queue<Cand, std::vector<Cand>, decltype(worse)> queue(worse);
    std::string_view normView(norm);
    auto consider = [&](int32_t pos) {
      if (pos < 0)
        return;
      const Sym &a = syms[pos];
      if (a.next < 0 || !a.mergeable || !syms[a.next].mergeable)
        return;
      const Sym &b = syms[a.next];
      if (std::optional<TokenId> id =
              lookupMergeable(normView.substr(a.start, a.len + b.len)))
        queue.push(Cand{pieces_[*id].score, pos, a.len, b.len, *id});
    };
    for (size_t i = 0; i + 1 < syms.size(); ++i)
      consider(int32_t(i));
    while (!queue.empty()) {
      Cand c = queue.top();
      queue.pop();
      Sym &a = syms[c.pos];
      if (a.len != c.leftLen || a.next < 0 || syms[a.next].len != c.rightLen)
        continue; // stale: one side has changed since
      int32_t gone = a.next;
      a.len += syms[gone].len;
      a.id = c.id;
      a.next = syms[gone].next;
      if (a.next >= 0)
        syms[a.next].prev = c.pos;
      syms[gone].len = 0;
      consider(a.prev);
      consider(c.pos);
    }
    for (int32_t i = syms.empty() ? -1 : 0; i >= 0; i = syms[i].next)
      out.push_back(syms[i].id);
  }
  if (addEos && eosId_)
    out.push_back(*eosId_);
  return out;
}

std::string SentencePieceTokenizer::pieceText(TokenId id) const {
  const Piece &p = pieces_[id];
  switch (p.type) {
  case PieceType::Control:
    return {};
  case PieceType::Byte:
    return std::string(1, static_cast<char>(parseBytePiece(p.text)));
  default:
    break;
  }
  std::string s;
  std::string_view t = p.text;
  for (size_t i = 0; i < t.size();) {
    if (t.substr(i, space_.size()) == space_) {
      s.push_back(' ');
      i += space_.size();
    } else {
      s.push_back(t[i++]);
    }
  }
  return s;
}

std::string SentencePieceTokenizer::decodePiece(TokenId prev,
                                                TokenId token) const {
  if (token < 0 || size_t(token) >= pieces_.size())
    return {};
  std::string s = pieceText(token);
  if (bosId_ && prev == *bosId_ && pieces_[token].type != PieceType::Byte &&
      !s.empty() && s[0] == ' ')
    s.erase(0, 1);
  return s;
}

Expected<std::string>
SentencePieceTokenizer::decode(const std::vector<TokenId> &ids) const {
  std::string out;
  bool atStart = true; // start of the text, or just after BOS
  for (TokenId id : ids) {
    if (id < 0 || size_t(id) >= pieces_.size())
      return Error(ErrorCode::InvalidId, "token id " + std::to_string(id) +
                                             " is outside the vocabulary of " +
                                             std::to_string(pieces_.size()));
    PieceType ty = pieces_[id].type;
    if (ty == PieceType::Control) {
      if (bosId_ && id == *bosId_)
        atStart = true;
      continue;
    }
    std::string s = pieceText(id);
    if (atStart && addDummyPrefix_ && ty != PieceType::Byte && !s.empty() &&
        s[0] == ' ')
      s.erase(0, 1);
    out += s;
    atStart = false;
  }
  return out;
}

std::string_view SentencePieceTokenizer::idToPiece(TokenId id) const {
  if (id < 0 || size_t(id) >= pieces_.size())
    return {};
  return pieces_[id].text;
}

std::optional<TokenId>
SentencePieceTokenizer::pieceToId(std::string_view piece) const {
  auto it = pieceToId_.find(piece);
  if (it == pieceToId_.end())
    return std::nullopt;
  return it->second;
}

float SentencePieceTokenizer::score(TokenId id) const {
  return id >= 0 && size_t(id) < pieces_.size() ? pieces_[id].score : 0.0f;
}

SentencePieceTokenizer::PieceType
SentencePieceTokenizer::type(TokenId id) const {
  return id >= 0 && size_t(id) < pieces_.size() ? pieces_[id].type
                                                : PieceType::Unknown;
}

std::optional<TokenId> SentencePieceTokenizer::byteId(uint8_t b) const {
  if (byteToId_[b] < 0)
    return std::nullopt;
  return byteToId_[b];
}

} // namespace tessera::tokenizers
