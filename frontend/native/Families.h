//===- Families.h - the Hugging Face model families -------------*- C++ -*-===//
//
// One builder per config.json `model_type` (llama has its own header, as
// llama2.c checkpoints share it). Each reads the fields it needs from the
// config, loads its tensors under their Hugging Face names, and emits the
// model's functions; every error names config.json and the field, or the
// checkpoint file and the tensor.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_FRONTEND_NATIVE_FAMILIES_H
#define TESSERA_FRONTEND_NATIVE_FAMILIES_H

#include "frontend/native/GraphBuilder.h"
#include "frontend/native/ModelConfig.h"
#include "frontend/native/WeightLoader.h"

namespace tessera::native {

/// GPT-2 (GPT2Model / GPT2LMHeadModel checkpoints): learned positions,
/// Conv1D weights stored [in, out], tanh GELU, tied LM head. main, prefill
/// and decode (CausalLM.h).
llvm::Error importGpt2(ModelConfig &config, WeightLoader &weights,
                       GraphBuilder &g);

/// BERT encoders: main(input_ids, attention_mask, token_type_ids). The
/// outputs follow `architectures`: BertForSequenceClassification -> logits
/// [batch, labels], BertForTokenClassification -> logits [batch, sequence,
/// labels], BertModel (or none) -> last_hidden_state and, with a pooler,
/// pooler_output.
llvm::Error importBert(ModelConfig &config, WeightLoader &weights,
                       GraphBuilder &g);

/// T5 encoder-decoders (T5ForConditionalGeneration): main(input_ids,
/// attention_mask, decoder_input_ids) -> logits [batch, decoder_sequence,
/// vocab].
llvm::Error importT5(ModelConfig &config, WeightLoader &weights,
                     GraphBuilder &g);

} // namespace tessera::native

#endif // TESSERA_FRONTEND_NATIVE_FAMILIES_H
