// INFO while start-up recovery runs: the sections that read no keyspace (the loading thread
// owns them), from the connection's own thread.
#pragma once

namespace tessera {

class CommandContext;

void InfoWhileLoading(CommandContext& ctx);

}  // namespace tessera
