"""GBNF grammars that constrain a small model's turn to the protocol (used by llama.cpp).

A turn is either a short line of reasoning followed by exactly one ```repl block, or a single
FINAL(...) / FINAL_VAR(...) line. `FINAL_ONLY` is used when the engine asks for the answer.
"""

TURN = r"""
root       ::= final | code
final      ::= "FINAL(" answer ")"  | "FINAL_VAR(" ident ")"
answer     ::= [^\n)] [^\n)]*
ident      ::= [a-zA-Z_] [a-zA-Z0-9_]*
code       ::= thought? "```repl\n" codeline codeline? codeline? codeline? codeline? codeline? "```"
thought    ::= [^`\n] [^`\n]* "\n"
codeline   ::= [^`\n] [^`\n]* "\n"
"""

FINAL_ONLY = r"""
root       ::= "FINAL(" answer ")"
answer     ::= [^\n)] [^\n)]*
"""
