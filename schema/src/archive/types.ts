/** A regular file in an archive. Directories are entries too but are not listed. */
export interface ArchiveFile {
  path: string;
  size: number;
  /** 0o755 when any execute bit is set, else 0o644. */
  mode: number;
}

/** What `inspect` and `extract` learned from a valid archive. */
export interface ArchiveContents {
  /** Lowercase hex sha256 of the compressed bytes. */
  sha256: string;
  /** Compressed bytes. */
  size: number;
  /** Bytes of the decompressed tar stream (what the unpacked limit counts). */
  unpackedSize: number;
  /** Files only, sorted by path bytes. */
  files: ArchiveFile[];
  /** Tar entries, directories included. */
  entries: number;
  /** SKILL.md as UTF-8 text. */
  skillMd: string;
  /** skill.yaml as UTF-8 text. */
  skillYaml: string;
  /**
   * A copy of a file kept in memory: SKILL.md, skill.yaml, files under `.skill/` of at most 1 MiB,
   * and what `inspect`'s `keep` option asked for. Undefined for any other path.
   */
  readFile(path: string): Buffer | undefined;
}
