"""The sandbox: model code runs in a separate worker process; the host talks to it over pipes.

Model code is untrusted (a dropped document can carry a prompt injection). Layers, each meant to
hold on its own, reported by name in `Sandbox.layers`:
- "process" (`host`, `spawn`, `procctl`): own process and session, empty temporary working
  directory, scrubbed environment, no stdin, dies with the host (PR_SET_PDEATHSIG), no new
  privileges, not dumpable, capabilities dropped; JSON frames only, capped in size and in
  values before parsing (`frames`), numbered in sequence with deadlines both ways
  (`exchange`), and sub-call requests parsed into typed messages (`messages.parse_request`)
  before the engine sees them;
- "rlimits" (`rlimits`, `limits`): memory, CPU time, file size 0, processes, open files;
- "audit-hook" (`audit`, `restricted`, `guard`): a PEP 578 hook that refuses every event
  outside a short allow-list, an import that admits only `policy.ALLOWED_MODULES` (as copies
  holding their public names), guarded builtins, and a check of each cell's syntax tree;
- "seccomp" (`seccomp_layer`): a system call filter (pyseccomp over libseccomp2);
- "landlock" (`landlock_layer`): no file system access at all, no TCP, no signals out.
What is allowed and refused is data in `policy`; `hardening` applies the worker-side layers.
"""
