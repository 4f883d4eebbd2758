// This workspace is built by a later issue (see `issues`); it exports nothing yet.
export {};
