//===- Tokenizers.h - all of TesseraTokenizers ------------------*- C++ -*-===//
//
// Umbrella header of TesseraTokenizers: GPT-2 byte-level BPE, SentencePiece
// BPE (llama2.c tokenizer.bin and tokenizer.model) and WordPiece (BERT).
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_TOOLS_COMMON_TOKENIZERS_TOKENIZERS_H
#define TESSERA_TOOLS_COMMON_TOKENIZERS_TOKENIZERS_H

#include "tools/common/tokenizers/Gpt2Tokenizer.h"
#include "tools/common/tokenizers/SentencePieceTokenizer.h"
#include "tools/common/tokenizers/Tokenizer.h"
#include "tools/common/tokenizers/WordPieceTokenizer.h"

#endif
