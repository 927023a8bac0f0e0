// attnviz CLI entry: dispatches to the subcommands (natively, and as wasm under node with NODERAWFS).
#include <cstdio>
#include <cstring>

#include "cli.h"

static void usage() {
  std::fprintf(stderr,
               "usage: attnviz tokenize --tokenizer PATH [--lowercase 0|1] [--no-special]   (JSON lines on stdin)\n"
               "       attnviz run --model DIR --out FILE.safetensors [--max-length N]      (JSON lines on stdin)\n"
               "       attnviz bench --model DIR --tokens N [--iters K] [--threads N]\n"
               "       attnviz bench --make-model base|gpt2-medium DIR\n"
               "       attnviz bench-tokenizer --tokenizer PATH [--mb N]\n");
}

int main(int argc, char** argv) {
  if (argc < 2) {
    usage();
    return 2;
  }
  const char* cmd = argv[1];
  if (!std::strcmp(cmd, "tokenize")) return attnviz::cli_tokenize(argc - 1, argv + 1);
  if (!std::strcmp(cmd, "run")) return attnviz::cli_run(argc - 1, argv + 1);
  if (!std::strcmp(cmd, "bench")) return attnviz::cli_bench(argc - 1, argv + 1);
  if (!std::strcmp(cmd, "bench-tokenizer")) return attnviz::cli_bench_tokenizer(argc - 1, argv + 1);
  if (!std::strcmp(cmd, "--help") || !std::strcmp(cmd, "-h")) {
    usage();
    return 0;
  }
  std::fprintf(stderr, "attnviz: unknown command '%s'\n", cmd);
  usage();
  return 2;
}
