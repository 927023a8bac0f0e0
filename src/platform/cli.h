// The attnviz command line (see ../shared/docs/INTERFACES.md): one function per subcommand, each in its own
// cli_<name>.cpp. Each returns the process exit code; errors go to stderr as one line naming the input and problem.
#pragma once
#include <string>

namespace attnviz {
int cli_tokenize(int argc, char** argv);        // attnviz tokenize --tokenizer PATH [--lowercase 0|1] [--no-special]
int cli_bench_tokenizer(int argc, char** argv); // attnviz bench-tokenizer --tokenizer PATH [--mb N]
int cli_run(int argc, char** argv);             // attnviz run --model DIR --out FILE.safetensors [--max-length N]
int cli_bench(int argc, char** argv);           // attnviz bench --model DIR --tokens N [--iters K]

}  // namespace attnviz
