#include "tools/common/tokenizers/WordPieceTokenizer.h"

#include "tools/common/tokenizers/Unicode.h"
#include "tools/common/tokenizers/Utf8.h"

#include <new>
#include <stdexcept>

namespace tessera::tokenizers {
namespace {

bool isBertWhitespace(uint32_t cp) {
  return cp == '\t' || cp == '\n' || cp == '\r' || unicode::isWhiteSpace(cp);
}

bool isBertControl(uint32_t cp) {
  if (cp == '\t' || cp == '\n' || cp == '\r')
    return false;
  return unicode::isOther(cp);
}

bool isBertPunctuation(uint32_t cp) {
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) ||
      (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126))
    return true;
  return unicode::isPunctuation(cp);
}

// The "Chinese character" ranges of BERT's tokenization.py (CJK Unified
// Ideographs and their extensions A-E, compatibility ideographs).
bool isCjkIdeograph(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

} // namespace

Expected<std::unique_ptr<WordPieceTokenizer>>
WordPieceTokenizer::load(const std::string &vocabPath,
                         const WordPieceOptions &options) {
  Expected<std::string> data = readFile(vocabPath);
  if (!data)
    return data.error();
  return fromString(*data, options, vocabPath);
}

Expected<std::unique_ptr<WordPieceTokenizer>>
WordPieceTokenizer::fromString(std::string_view vocabText,
                               const WordPieceOptions &options,
                               const std::string &name) {
  try {
    std::unique_ptr<WordPieceTokenizer> t(new WordPieceTokenizer());
    t->options_ = options;
    size_t lineNo = 0;
    for (size_t pos = 0; pos < vocabText.size();) {
      size_t eol = vocabText.find('\n', pos);
      if (eol == std::string_view::npos)
        eol = vocabText.size();
      std::string_view line = vocabText.substr(pos, eol - pos);
      pos = eol + 1;
      ++lineNo;
      // Trailing whitespace is not part of a token (HF trims it too).
      while (!line.empty() &&
             (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
        line.remove_suffix(1);
      if (!isValidUtf8(line))
        return Error(ErrorCode::Malformed,
                     name + ":" + std::to_string(lineNo) + ": invalid UTF-8");
      if (t->tokens_.size() >= (size_t(1) << 24))
        return Error(ErrorCode::Malformed, name + ": more than 2^24 tokens");
      TokenId id = TokenId(t->tokens_.size());
      t->tokens_.emplace_back(line);
      t->tokenToId_[std::string(line)] =
          id; // a repeated token: the last id wins, as in HF
    }
    if (t->tokens_.empty())
      return Error(ErrorCode::Malformed, name + ": the vocabulary is empty");
    auto unk = t->tokenToId_.find(options.unkToken);
    if (unk == t->tokenToId_.end())
      return Error(ErrorCode::Malformed, name + ": the unknown token \"" +
                                             options.unkToken +
                                             "\" is not in the vocabulary");
    t->unkId_ = unk->second;
    if (options.maxInputCharsPerWord == 0)
      return Error(ErrorCode::Unsupported,
                   name + ": maxInputCharsPerWord must be positive");
    return std::move(t);
  } catch (const std::bad_alloc &) {
    return Error(ErrorCode::OutOfMemory,
                 name + ": out of memory while loading");
  } catch (const std::length_error &) {
    return Error(ErrorCode::OutOfMemory,
                 name + ": out of memory while loading");
  }
}

std::vector<std::string>
WordPieceTokenizer::basicTokenize(std::string_view text) const {
  // Normalize into code points.
  std::vector<uint32_t> cps;
  cps.reserve(text.size());
  std::vector<uint32_t> stripped;
  for (size_t p = 0; p < text.size();) {
    Utf8Char c = decodeUtf8(text, p);
    p += c.len;
    uint32_t cp = c.valid ? c.cp : kReplacementChar;
    if (options_.cleanText) {
      if (cp == 0 || cp == kReplacementChar || isBertControl(cp))
        continue;
      if (isBertWhitespace(cp))
        cp = ' ';
    }
    bool cjk = options_.handleChineseChars && isCjkIdeograph(cp);
    if (cjk)
      cps.push_back(' ');
    if (options_.lowerCase) {
      stripped.clear();
      unicode::appendStripAccents(cp, stripped);
      for (uint32_t s : stripped)
        unicode::appendLower(s, cps);
    } else {
      cps.push_back(cp);
    }
    if (cjk)
      cps.push_back(' ');
  }
  if (options_.lowerCase)
    unicode::canonicalReorder(cps);

  // Split at whitespace, isolate punctuation.
  std::vector<std::string> words;
  std::string word;
  for (uint32_t cp : cps) {
    if (isBertWhitespace(cp)) {
      if (!word.empty())
        words.push_back(std::move(word));
      word.clear();
    } else if (isBertPunctuation(cp)) {
      if (!word.empty())
        words.push_back(std::move(word));
      word.clear();
      words.push_back(encodeUtf8(cp));
    } else {
      appendUtf8(word, cp);
    }
  }
  if (!word.empty())
    words.push_back(std::move(word));
  return words;
}

void WordPieceTokenizer::wordPiece(std::string_view word,
                                   std::vector<TokenId> &out) const {
  // Character boundaries (byte offsets), one past the end included.
  std::vector<size_t> bounds;
  for (size_t p = 0; p < word.size();) {
    bounds.push_back(p);
    p += decodeUtf8(word, p).len;
    if (bounds.size() > options_.maxInputCharsPerWord) {
      out.push_back(unkId_);
      return;
    }
  }
  bounds.push_back(word.size());
  const size_t n = bounds.size() - 1;
  if (n == 0)
    return;
  size_t mark = out.size();
  std::string candidate;
  for (size_t start = 0; start < n;) {
    size_t end = n;
    std::optional<TokenId> found;
    for (; end > start; --end) {
      candidate.clear();
      if (start > 0)
        candidate += options_.continuingSubwordPrefix;
      candidate.append(word.substr(bounds[start], bounds[end] - bounds[start]));
      auto it = tokenToId_.find(candidate);
      if (it != tokenToId_.end()) {
        found = it->second;
        break;
      }
    }
    if (!found) {
      out.resize(mark);
      out.push_back(unkId_);
      return;
    }
    out.push_back(*found);
    start = end;
  }
}

std::vector<TokenId> WordPieceTokenizer::encode(std::string_view text) const {
  std::vector<TokenId> ids;
  for (const std::string &w : basicTokenize(text))
    wordPiece(w, ids);
  return ids;
}

Expected<std::string>
WordPieceTokenizer::decode(const std::vector<TokenId> &ids) const {
  std::string out;
  const std::string &prefix = options_.continuingSubwordPrefix;
  for (size_t i = 0; i < ids.size(); ++i) {
    TokenId id = ids[i];
    if (id < 0 || size_t(id) >= tokens_.size())
      return Error(ErrorCode::InvalidId, "token id " + std::to_string(id) +
                                             " is outside the vocabulary of " +
                                             std::to_string(tokens_.size()));
    std::string_view tok = tokens_[id];
    if (!prefix.empty() && tok.substr(0, prefix.size()) == prefix) {
      out.append(tok.substr(prefix.size()));
    } else {
      if (i != 0)
        out.push_back(' ');
      out.append(tok);
    }
  }
  // HF's clean_up_tokenization: no space before these.
  static const char *const kCleanups[][2] = {
      {" .", "."},     {" ?", "?"},     {" !", "!"},   {" ,", ","},
      {" ' ", "'"},    {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"},
      {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto &c : kCleanups) {
    std::string_view from = c[0], to = c[1];
    std::string next;
    for (size_t p = 0; p < out.size();) {
      if (std::string_view(out).substr(p, from.size()) == from) {
        next.append(to);
        p += from.size();
      } else {
        next.push_back(out[p++]);
      }
    }
    out.swap(next);
  }
  return out;
}

std::string_view WordPieceTokenizer::idToPiece(TokenId id) const {
  if (id < 0 || size_t(id) >= tokens_.size())
    return {};
  return tokens_[id];
}

std::optional<TokenId>
WordPieceTokenizer::pieceToId(std::string_view piece) const {
  auto it = tokenToId_.find(std::string(piece));
  if (it == tokenToId_.end())
    return std::nullopt;
  return it->second;
}

} // namespace tessera::tokenizers
