"""Model backends behind one interface: replay (recorded responses) and llama.cpp in-process."""
