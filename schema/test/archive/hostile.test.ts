import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/archive/index.js';
import {
  archiveWith,
  END_BLOCKS,
  expectRefused,
  gz,
  REQUIRED,
  tarEntry,
  tarHeader,
  tarOf,
  useTempDirs,
  type RawEntry,
} from './helpers.js';

const tempDir = useTempDirs();

/** Each case is one hostile archive; all must be refused by inspect and by extract, with no trace. */
function refuses(entries: RawEntry[], code: Parameters<typeof expectRefused>[2]) {
  return expectRefused(tempDir, archiveWith(...entries), code);
}

describe('archive paths', () => {
  it.each(['../evil.md', 'docs/../../evil.md', '../../../evil.md', 'docs/..', '..'])(
    'refuses the traversal %j',
    (path) => refuses([{ path, content: 'pwned' }], 'ARCHIVE_PATH_TRAVERSAL'),
  );

  it.each(['./SKILL2.md', 'docs/./a.md', 'docs//a.md', 'docs/', 'docs/a.md/'])(
    'refuses the empty or "." segment in %j',
    (path) => refuses([{ path, content: 'x' }], 'ARCHIVE_PATH_TRAVERSAL'),
  );

  it('refuses an entry whose path is empty', async () => {
    await refuses([{ path: '', content: 'x' }], 'ARCHIVE_PATH_TRAVERSAL');
    await refuses([{ path: '/', type: '5' }], 'ARCHIVE_PATH_TRAVERSAL');
  });

  it.each(['/etc/evil', '/tmp/../evil', 'C:/evil', 'c:evil'])('refuses the absolute path %j', (path) =>
    refuses([{ path, content: 'x' }], 'ARCHIVE_PATH_ABSOLUTE'),
  );

  it.each(['docs\\a.md', '..\\..\\evil', 'C:\\evil'])('refuses the backslash in %j', (path) =>
    refuses([{ path, content: 'x' }], 'ARCHIVE_PATH_BACKSLASH'),
  );

  it.each([
    ['an UTF-8 accent', Buffer.from('docs/caf\u00e9.md', 'utf8')],
    ['a latin1 byte', Buffer.from('docs/caf\xe9.md', 'latin1')],
    ['a control character', 'docs/a\x01.md'],
    ['a newline', 'docs/a\n.md'],
    ['a tab', 'docs/a\t.md'],
    ['DEL', 'docs/a\x7f.md'],
  ])('refuses a path with %s', (_, path) => refuses([{ path, content: 'x' }], 'ARCHIVE_PATH_CHARACTERS'));

  it.each([
    'CON',
    'con.txt',
    'docs/nul',
    'docs/Nul.md',
    'aux.tar.gz',
    'PRN',
    'COM1.log',
    'com9',
    'lpt1',
    'LPT9.txt',
    'nul /x.md',
    'docs/a.',
    'docs/a ',
    'trailing./a.md',
    'docs/a:b',
    'a*b',
    'a?b',
    'a"b',
    'a<b',
    'a>b',
    'a|b',
  ])('refuses the Windows reserved name in %j', (path) =>
    refuses([{ path, content: 'x' }], 'ARCHIVE_PATH_RESERVED'),
  );

  it('accepts names that only resemble reserved ones', async () => {
    const names = ['console.md', 'com10', 'lptx', 'nul-ish.md', 'auxiliary', 'a.b.c', '.hidden', 'a b'];
    const contents = await inspect(archiveWith(...names.map((path) => ({ path, content: path }))));
    expect(contents.files.map((file) => file.path)).toEqual(expect.arrayContaining(names));
  });

  it('refuses a path of 256 bytes and accepts one of 255', async () => {
    const folder = 'd'.repeat(155);
    await refuses([{ prefix: folder, path: 'f'.repeat(100), content: 'x' }], 'ARCHIVE_PATH_TOO_LONG');
    const fits = await inspect(archiveWith({ prefix: folder, path: 'f'.repeat(99), content: 'x' }));
    expect(fits.files.some((file) => file.path.length === 255)).toBe(true);
  });

  it('refuses 17 segments within 255 bytes and accepts 16', async () => {
    const deep = (segments: number) => Array.from({ length: segments }, () => 'a').join('/');
    await refuses([{ path: deep(17), content: 'x' }], 'ARCHIVE_PATH_TOO_DEEP');
    const fits = await inspect(archiveWith({ path: deep(16), content: 'x' }));
    expect(fits.files.map((file) => file.path)).toContain(deep(16));
  });

  it('refuses the same path twice', () =>
    refuses(
      [
        { path: 'docs/a.md', content: 'one' },
        { path: 'docs/a.md', content: 'two' },
      ],
      'ARCHIVE_PATH_DUPLICATE',
    ));

  it('refuses paths that are equal after case-folding', () =>
    refuses(
      [
        { path: 'docs/README.md', content: 'one' },
        { path: 'docs/readme.md', content: 'two' },
      ],
      'ARCHIVE_PATH_DUPLICATE',
    ));

  it('refuses a folder spelled in two cases', () =>
    refuses(
      [
        { path: 'Docs/', type: '5' },
        { path: 'docs/a.md', content: 'x' },
      ],
      'ARCHIVE_PATH_DUPLICATE',
    ));

  it('refuses a file case-folding onto SKILL.md', () =>
    refuses([{ path: 'skill.md', content: 'shadow' }], 'ARCHIVE_PATH_DUPLICATE'));

  it('refuses a file and a folder of the same name', async () => {
    await refuses(
      [
        { path: 'docs', content: 'x' },
        { path: 'docs/', type: '5' },
      ],
      'ARCHIVE_PATH_DUPLICATE',
    );
    await refuses(
      [
        { path: 'docs/', type: '5' },
        { path: 'docs', content: 'x' },
      ],
      'ARCHIVE_PATH_DUPLICATE',
    );
    await refuses(
      [
        { path: 'docs/a.md', content: 'x' },
        { path: 'docs', content: 'x' },
      ],
      'ARCHIVE_PATH_DUPLICATE',
    );
  });

  it('refuses names that differ only in Unicode normalisation, before NFC can matter', () =>
    // "café" composed and decomposed fold to one key, but the first is already not ASCII.
    refuses(
      [
        { path: Buffer.from('caf\u00e9.md', 'utf8'), content: 'composed' },
        { path: Buffer.from('cafe\u0301.md', 'utf8'), content: 'decomposed' },
      ],
      'ARCHIVE_PATH_CHARACTERS',
    ));

  it('refuses a path under a file', () =>
    refuses(
      [
        { path: 'docs', content: 'a file' },
        { path: 'docs/a.md', content: 'x' },
      ],
      'ARCHIVE_PATH_CONFLICT',
    ));
});

describe('archive entry types', () => {
  it.each([
    ['inside', 'SKILL.md'],
    ['outside', '../../../../etc/passwd'],
    ['outside, absolutely', '/etc/passwd'],
  ])('refuses a symlink pointing %s', (_, target) =>
    refuses([{ path: 'docs/link', type: '2', linkname: target }], 'ARCHIVE_LINK'),
  );

  it.each([
    ['inside', 'SKILL.md'],
    ['outside', '/etc/passwd'],
  ])('refuses a hardlink pointing %s', (_, target) =>
    refuses([{ path: 'docs/link', type: '1', linkname: target }], 'ARCHIVE_LINK'),
  );

  it('refuses a directory followed by a symlink of the same name and a file under it', () =>
    refuses(
      [
        { path: 'docs/', type: '5' },
        { path: 'docs', type: '2', linkname: '/tmp' },
        { path: 'docs/evil.md', content: 'through the link' },
      ],
      'ARCHIVE_LINK',
    ));

  it.each([
    ['a character device', '3'],
    ['a block device', '4'],
    ['a fifo', '6'],
    ['a contiguous file', '7'],
    ['a GNU sparse file', 'S'],
    ['an unknown type', 'Z'],
  ])('refuses %s', (_, type) => refuses([{ path: 'docs/dev', type }], 'ARCHIVE_ENTRY_TYPE'));

  it.each([
    ['a PAX extended header', 'x', 'PaxHeader/docs/a.md', 'path=docs/a.md\n'],
    ['a PAX global header', 'g', 'pax_global_header', '52 comment=abc\n'],
    ['a GNU long name', 'L', '././@LongLink', 'docs/a.md'],
    ['a GNU long link', 'K', '././@LongLink', 'docs/a.md'],
  ])('refuses %s', (_, type, path, content) =>
    refuses(
      [
        { path, type, content, magic: type === 'L' || type === 'K' ? 'gnu' : 'ustar' },
        { path: 'docs/a.md', content: 'x' },
      ],
      'ARCHIVE_PAX_HEADER',
    ),
  );

  it('refuses a directory entry with contents', () =>
    refuses([{ path: 'docs/', type: '5', content: 'hidden data' }], 'ARCHIVE_CORRUPT'));

  it('accepts a regular file of type NUL, the pre-POSIX spelling', async () => {
    const contents = await inspect(archiveWith({ path: 'docs/a.md', type: '\0', content: 'x' }));
    expect(contents.files.map((file) => file.path)).toContain('docs/a.md');
  });
});

describe('archive limits', () => {
  it('refuses 50,000 entries at the first one past the limit', async () => {
    const entries = Array.from({ length: 50_000 }, (_, i) => tarHeader({ path: `f${i}` }));
    const bytes = gz(Buffer.concat([...REQUIRED.map(tarEntry), ...entries, END_BLOCKS]));
    await expectRefused(tempDir, bytes, 'ARCHIVE_TOO_MANY_ENTRIES');
  });

  it('counts directories as entries', async () => {
    const bytes = archiveWith({ path: 'docs/', type: '5' }, { path: 'docs/a.md', content: 'x' });
    await expectRefused(tempDir, bytes, 'ARCHIVE_TOO_MANY_ENTRIES', { entries: 3 });
    expect((await inspect(bytes, { entries: 4 })).entries).toBe(4);
  });

  it('refuses an entry whose announced size passes the unpacked limit before reading it', () =>
    expectRefused(
      tempDir,
      archiveWith({ path: 'big.bin', content: Buffer.alloc(8192) }),
      'ARCHIVE_UNPACKED_TOO_LARGE',
      {
        unpackedBytes: 4096,
      },
    ));

  it('refuses a small gzip that inflates past the unpacked cap', async () => {
    // 51 MiB of zeros after the end blocks: no header announces them, the inflate count must.
    const bomb = gz(tarOf(REQUIRED, Buffer.alloc(51 * 1024 * 1024)));
    expect(bomb.length).toBeLessThan(100 * 1024);
    await expectRefused(tempDir, bomb, 'ARCHIVE_UNPACKED_TOO_LARGE');
  });

  it('refuses an archive larger than the compressed limit before inflating it', async () => {
    const bytes = Buffer.concat([archiveWith(), Buffer.from('not even looked at')]);
    await expectRefused(tempDir, bytes, 'ARCHIVE_TOO_LARGE', { compressedBytes: 100 });
  });
});

describe('archive framing', () => {
  it('refuses a header with a bad checksum', () =>
    refuses([{ path: 'docs/a.md', content: 'x', checksum: 1234 }], 'ARCHIVE_CORRUPT'));

  it('refuses a header that is not ustar', async () => {
    const header = tarHeader({ path: 'docs/a.md' });
    header.write('xxxxx', 257, 'latin1');
    header.fill(0x20, 148, 156);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    await expectRefused(
      tempDir,
      gz(Buffer.concat([...REQUIRED.map(tarEntry), header, END_BLOCKS])),
      'ARCHIVE_CORRUPT',
    );
  });

  it('refuses a size in base-256', () =>
    refuses(
      [{ path: 'docs/a.md', sizeField: Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]) }],
      'ARCHIVE_CORRUPT',
    ));

  it('refuses non-zero bytes after the end-of-archive blocks', () =>
    expectRefused(
      tempDir,
      gz(Buffer.concat([tarOf(REQUIRED), tarEntry({ path: 'smuggled.md', content: 'x' })])),
      'ARCHIVE_TRAILING_GARBAGE',
    ));

  it('accepts zero padding after the end-of-archive blocks, as GNU tar writes it', async () => {
    const contents = await inspect(gz(tarOf(REQUIRED, Buffer.alloc(10240))));
    expect(contents.unpackedSize).toBe(4 * 512 + 10240);
  });

  it('refuses a header after a single zero block', () =>
    expectRefused(
      tempDir,
      gz(
        Buffer.concat([...REQUIRED.map(tarEntry), Buffer.alloc(512), tarEntry({ path: 'a.md' }), END_BLOCKS]),
      ),
      'ARCHIVE_CORRUPT',
    ));

  it('refuses a tar stream without its end-of-archive blocks', () =>
    expectRefused(tempDir, gz(Buffer.concat(REQUIRED.map(tarEntry))), 'ARCHIVE_CORRUPT'));

  it('refuses a tar stream cut inside an entry', () =>
    expectRefused(
      tempDir,
      gz(Buffer.concat([...REQUIRED.map(tarEntry), tarHeader({ path: 'a.md', size: 4096 })])),
      'ARCHIVE_CORRUPT',
    ));

  it.each([
    ['SKILL.md', [REQUIRED[1]]],
    ['skill.yaml', [REQUIRED[0]]],
    ['SKILL.md in the root', [{ path: 'docs/SKILL.md', content: 'x' }, REQUIRED[1]]],
    ['SKILL.md as a file', [{ path: 'SKILL.md/', type: '5' }, REQUIRED[1]]],
  ])('refuses an archive without %s', (_, entries) =>
    expectRefused(tempDir, gz(tarOf(entries as RawEntry[])), 'ARCHIVE_MISSING_FILE'),
  );
});
