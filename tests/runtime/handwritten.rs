//! Writer components written by hand in the component model's text format, for hostile shapes
//! that no Rust toolchain emits: many core instances, many memories and tables, outputs whose
//! strings all alias one buffer, floods of handles.
//!
//! Every one implements the `writer` world for real (its `write` lifts through the canonical
//! ABI), so it passes the runtime's world check and is stopped by the limits, not by loading.
//! The shape: core instance `$mem` defines the memory the canonical ABI uses (so host functions
//! can be lowered before `$main` exists), `$main` implements `write` and a bump `realloc`; the
//! caller adds imports, core modules and instances around them.

/// The `dailyx:agent/types` import and the named types the `write` export refers to.
const WRITER_TYPES: &str = r#"
  (type $types-ty
    (instance
      (type (;0;) (option s64))
      (type (;1;) (record (field "run-id" string) (field "date" string) (field "started-at-ms" s64) (field "previous-run-at-ms" 0) (field "dry-run" bool)))
      (export (;2;) "run-context" (type (eq 1)))
      (type (;3;) (enum "commit" "release" "changelog" "pull-request" "feed-item" "note"))
      (export (;4;) "material-kind" (type (eq 3)))
      (type (;5;) (option string))
      (type (;6;) (list string))
      (type (;7;) (record (field "id" string) (field "kind" 4) (field "source" string) (field "title" string) (field "body" string) (field "url" 5) (field "author" 5) (field "timestamp-ms" s64) (field "files-changed" 6) (field "insertions" u32) (field "deletions" u32) (field "tags" 6)))
      (export (;8;) "material" (type (eq 7)))
      (type (;9;) (record (field "persona-id" string) (field "tone" string) (field "language" string) (field "max-hashtags" u32) (field "hashtags" 6) (field "emoji" bool) (field "target-length" u32) (field "preferred-phrases" 6) (field "banned-phrases" 6) (field "rules" 6) (field "examples" 6)))
      (export (;10;) "style-guide" (type (eq 9)))
      (type (;11;) (enum "single" "thread"))
      (export (;12;) "post-format" (type (eq 11)))
      (type (;13;) (enum "hook" "point" "closing" "link"))
      (export (;14;) "beat-kind" (type (eq 13)))
      (type (;15;) (record (field "kind" 14) (field "summary" string) (field "material-ids" 6)))
      (export (;16;) "beat" (type (eq 15)))
      (type (;17;) (list 16))
      (type (;18;) (record (field "format" 12) (field "beats" 17) (field "max-tweets" u32) (field "max-weighted-length" u32)))
      (export (;19;) "thread-plan" (type (eq 18)))
      (type (;20;) (record (field "position" u32) (field "text" string) (field "material-ids" 6)))
      (export (;21;) "tweet" (type (eq 20)))
      (type (;22;) (record (field "prompt" u32) (field "completion" u32)))
      (export (;23;) "token-usage" (type (eq 22)))
      (type (;24;) (list 21))
      (type (;25;) (record (field "tweets" 24) (field "model-used" string) (field "usage" 23) (field "notes" 6)))
      (export (;26;) "draft" (type (eq 25)))
      (type (;27;) (variant (case "invalid-input" string) (case "capability-denied" string) (case "upstream" string) (case "internal" string)))
      (export (;28;) "agent-error" (type (eq 27)))
    )
  )
  (import "dailyx:agent/types@0.1.0" (instance $types (type $types-ty)))
  (alias export $types "run-context" (type $run-context))
  (import "run-context" (type $rc (eq $run-context)))
  (alias export $types "material" (type $material))
  (import "material" (type $mat (eq $material)))
  (alias export $types "style-guide" (type $style-guide))
  (import "style-guide" (type $sg (eq $style-guide)))
  (alias export $types "thread-plan" (type $thread-plan))
  (import "thread-plan" (type $tp (eq $thread-plan)))
  (alias export $types "draft" (type $draft))
  (import "draft" (type $dr (eq $draft)))
  (alias export $types "agent-error" (type $agent-error))
  (import "agent-error" (type $ae (eq $agent-error)))
"#;

/// The `dailyx:agent/log` import, lowered as core function `$log-write`
/// (`level, message-ptr, message-len`) on `$memory`.
pub const LOG_IMPORT: &str = r#"
  (type $log-ty
    (instance
      (type (;0;) (enum "trace" "debug" "info" "warn" "error"))
      (export (;1;) "level" (type (eq 0)))
      (type (;2;) (func (param "level" 1) (param "message" string)))
      (export (;0;) "write" (func (type 2)))
    )
  )
  (import "dailyx:agent/log@0.1.0" (instance $log (type $log-ty)))
  (alias export $log "write" (func $log-write-func))
"#;

/// Lowers the log import (after `$memory` exists).
pub const LOG_LOWER: &str = r#"
  (core func $log-write (canon lower (func $log-write-func) (memory $memory) string-encoding=utf8))
"#;

/// `wasi:io/streams`' output stream and `wasi:cli/stdout`, lowered as core function
/// `$get-stdout` (returns a new handle each call).
pub const STDOUT_IMPORT: &str = r#"
  (type $streams-ty (instance (export (;0;) "output-stream" (type (sub resource)))))
  (import "wasi:io/streams@0.2.0" (instance $streams (type $streams-ty)))
  (alias export $streams "output-stream" (type $output-stream))
  (type $stdout-ty
    (instance
      (alias outer 1 $output-stream (type (;0;)))
      (export (;1;) "output-stream" (type (eq 0)))
      (type (;2;) (own 1))
      (type (;3;) (func (result 2)))
      (export (;0;) "get-stdout" (func (type 3)))
    )
  )
  (import "wasi:cli/stdout@0.2.0" (instance $stdout (type $stdout-ty)))
  (alias export $stdout "get-stdout" (func $get-stdout-func))
  (core func $get-stdout (canon lower (func $get-stdout-func)))
"#;

/// The parts of a handwritten writer.
#[derive(Default)]
pub struct Writer<'a> {
    /// Component-level imports and definitions before the memory exists (e.g. [`LOG_IMPORT`]).
    pub imports: &'a str,
    /// Pages of the memory the canonical ABI uses.
    pub pages: u32,
    /// Definitions after `$memory` exists: lowered functions, extra core modules and instances.
    pub defs: &'a str,
    /// Imports of `$main` (core module text), e.g. `(import "sib" "grow" (func $grow (param i32) (result i32)))`.
    pub main_imports: &'a str,
    /// `(with ...)` arguments of `$main`'s instantiation beyond `env`.
    pub main_with: &'a str,
    /// The body of `write` before it returns; it may leave a different result pointer by
    /// writing the result area at offset 16 (all zeros: `ok` with an empty draft).
    pub body: &'a str,
    /// Extra functions, data or globals of `$main`.
    pub main_extra: &'a str,
}

impl Writer<'_> {
    /// The component's binary, assembled from text.
    pub fn build(&self) -> Vec<u8> {
        let pages = self.pages.max(1);
        let text = format!(
            r#"(component
  {types}
  {imports}
  (core module $mem-module (memory (export "memory") {pages}))
  (core instance $mem (instantiate $mem-module))
  (alias core export $mem "memory" (core memory $memory))
  {defs}
  (core module $main-module
    (import "env" "memory" (memory 1))
    {main_imports}
    ;; A bump allocator above the result area; nothing is ever freed in one call.
    (global $heap (mut i32) (i32.const 4096))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      global.get $heap
      local.get 2
      i32.add
      i32.const 1
      i32.sub
      i32.const 0
      local.get 2
      i32.sub
      i32.and
      local.tee $p
      local.get 3
      i32.add
      global.set $heap
      local.get $p)
    (func (export "write") (param i32) (result i32)
      {body}
      i32.const 16)
    {main_extra}
  )
  (core instance $main (instantiate $main-module (with "env" (instance $mem)) {main_with}))
  (alias core export $main "realloc" (core func $realloc))
  (alias core export $main "write" (core func $write-core))
  (type $materials (list $mat))
  (type $write-result (result $dr (error $ae)))
  (type $write-ty (func (param "ctx" $rc) (param "plan" $tp) (param "materials" $materials) (param "style" $sg) (result $write-result)))
  (func $write (type $write-ty) (canon lift (core func $write-core) (memory $memory) (realloc $realloc) string-encoding=utf8))
  (export "write" (func $write))
)"#,
            types = WRITER_TYPES,
            imports = self.imports,
            defs = self.defs,
            main_imports = self.main_imports,
            main_with = self.main_with,
            body = self.body,
            main_extra = self.main_extra,
        );
        wat::parse_str(&text).unwrap_or_else(|e| panic!("handwritten component: {e}\n{text}"))
    }
}

/// `count` core instances of a module whose only content is `module_body`, named
/// `$<prefix>0`, `$<prefix>1`, ...
pub fn instances(prefix: &str, count: usize, module_body: &str) -> String {
    let mut text = format!("(core module ${prefix}-module {module_body})\n");
    for i in 0..count {
        text.push_str(&format!(
            "(core instance ${prefix}{i} (instantiate ${prefix}-module))\n"
        ));
    }
    text
}

/// Bytes of one wasm page.
pub const PAGE: u64 = 64 << 10;
