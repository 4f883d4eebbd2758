import fs from 'node:fs';

/**
 * The file system isomorphic-git writes objects through, with promise methods that do their work
 * synchronously. A commit is dozens of tiny reads and writes of loose objects; through libuv's
 * thread pool each waits a round trip, which made a one-change commit cost tens of milliseconds,
 * mostly idle. Done synchronously the whole commit takes a few milliseconds of blocking I/O, which
 * the writer (one batch at a time, off the request path) can afford.
 */
export const syncBackedFs = {
  promises: {
    readFile: async (...args: Parameters<typeof fs.readFileSync>) => fs.readFileSync(...args),
    writeFile: async (...args: Parameters<typeof fs.writeFileSync>) => fs.writeFileSync(...args),
    mkdir: async (...args: Parameters<typeof fs.mkdirSync>) => fs.mkdirSync(...args),
    rmdir: async (...args: Parameters<typeof fs.rmdirSync>) => fs.rmdirSync(...args),
    unlink: async (...args: Parameters<typeof fs.unlinkSync>) => fs.unlinkSync(...args),
    stat: async (...args: Parameters<typeof fs.statSync>) => fs.statSync(...args),
    lstat: async (...args: Parameters<typeof fs.lstatSync>) => fs.lstatSync(...args),
    readdir: async (...args: Parameters<typeof fs.readdirSync>) => fs.readdirSync(...args),
    readlink: async (...args: Parameters<typeof fs.readlinkSync>) => fs.readlinkSync(...args),
    symlink: async (...args: Parameters<typeof fs.symlinkSync>) => fs.symlinkSync(...args),
    chmod: async (...args: Parameters<typeof fs.chmodSync>) => fs.chmodSync(...args),
  },
};
