/* vkgpt_tokenizer_plugin.h: the ABI between vkgpt and tokenizer plugins. */
#ifndef VKGPT_TOKENIZER_PLUGIN_H
#define VKGPT_TOKENIZER_PLUGIN_H
#endif
