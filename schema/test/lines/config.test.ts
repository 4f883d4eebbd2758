import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import {
  isLoopback,
  parseIndexConfig,
  serializeIndexConfig,
  type IndexConfig,
} from '../../src/lines/index.js';
import { ascii } from './helpers.js';

const FPR = '0123456789ABCDEF0123456789ABCDEF01234567';

const CONFIG: IndexConfig = {
  format: 1,
  epoch: '2024-05-e1',
  name: 'Example registry',
  url: 'https://registry.example.com/index/',
  dl: 'https://registry.example.com/dl/{name}/{version}.tgz',
  sig: null,
  api: 'https://registry.example.com/api/v1',
  signing_key: FPR,
  auth_required: false,
};

const CONFIG_TEXT =
  '{"format":1,"epoch":"2024-05-e1","name":"Example registry","url":"https://registry.example.com/index/",' +
  '"dl":"https://registry.example.com/dl/{name}/{version}.tgz","sig":null,"api":"https://registry.example.com/api/v1",' +
  `"signing_key":"${FPR}","auth_required":false}`;

function configWith(overrides: Record<string, unknown>): string {
  return JSON.stringify({ ...CONFIG, ...overrides });
}

describe('config.json', () => {
  it('is written in the documented key order (golden bytes)', () => {
    expect(serializeIndexConfig(CONFIG)).toEqual(ascii(CONFIG_TEXT));
  });

  it('reads a hand-written file with indentation, a final newline and unknown fields', () => {
    expect(parseIndexConfig(`${JSON.stringify({ ...CONFIG, motd: 'hi' }, null, 2)}\n`)).toEqual(CONFIG);
  });

  it.each([
    ['a relative template under url', { dl: 'tarballs/{prefix}/{name}/{version}.tgz' }],
    [
      'a template by digest',
      { dl: 'https://cdn.example.com/{sha256}', sig: 'https://cdn.example.com/{sha256}.sig' },
    ],
    [
      'plain http on loopback',
      { url: 'http://127.0.0.1:8080/index/', dl: 'http://localhost:8080/dl/{sha256}' },
    ],
    ['plain http on IPv6 loopback', { api: 'http://[::1]:3000' }],
    ['no url when every template is absolute', { url: null }],
    ['no api and no key', { api: null, signing_key: null, auth_required: true }],
  ])('accepts %s', (_, overrides) => {
    expect(parseIndexConfig(configWith(overrides))).toEqual({ ...CONFIG, ...overrides });
  });

  const cases: [string, Record<string, unknown>, string][] = [
    ['of format 2', { format: 2 }, 'format'],
    ['with an epoch of capitals', { epoch: 'E1' }, 'epoch'],
    ['with an epoch over 32 characters', { epoch: 'e'.repeat(33) }, 'epoch'],
    ['with an empty name', { name: '' }, 'name'],
    ['with a url over plain http', { url: 'http://registry.example.com/index/' }, 'url'],
    ['with a url that is not a URL', { url: 'index/' }, 'url'],
    ['with a url not ending in /', { url: 'https://registry.example.com/index' }, 'url'],
    ['with a url not in normalised form', { url: 'https://Registry.Example.com/index/' }, 'url'],
    ['with a url carrying credentials', { url: 'https://u:p@registry.example.com/index/' }, 'url'],
    ['with a url with a query', { url: 'https://registry.example.com/index/?x=1' }, 'url'],
    ['with a url with a fragment', { url: 'https://registry.example.com/index/#x' }, 'url'],
    ['with an api over plain http', { api: 'http://api.example.com' }, 'api'],
    ['with a dl that is not a string', { dl: null }, 'dl'],
    ['with a dl using an unknown placeholder', { dl: 'https://x.example.com/{owner}/{sha256}' }, 'dl'],
    ['with a dl with an unclosed placeholder', { dl: 'https://x.example.com/{sha256' }, 'dl'],
    ['with a dl with a stray brace', { dl: 'https://x.example.com/{sha256}}' }, 'dl'],
    ['with a dl that cannot tell versions apart', { dl: 'https://x.example.com/{name}.tgz' }, 'dl'],
    ['with a dl over plain http', { dl: 'http://x.example.com/{sha256}' }, 'dl'],
    ['with a relative dl and no url', { url: null, dl: 'tarballs/{sha256}' }, 'dl'],
    ['with a relative dl in a 2-character directory', { dl: 'dl/{sha256}' }, 'dl'],
    ['with a relative dl starting with a placeholder', { dl: '{prefix}/{name}/{version}.tgz' }, 'dl'],
    ['with a root-relative dl', { dl: '/tarballs/{sha256}' }, 'dl'],
    ['with a relative dl that leaves the index', { dl: '%2e%2e/x/{sha256}' }, 'dl'],
    ['with a relative dl holding a backslash', { dl: 'tarballs\\{sha256}' }, 'dl'],
    ['with a sig using an unknown placeholder', { sig: 'https://x.example.com/{fpr}/{sha256}' }, 'sig'],
    ['with a lowercase signing key', { signing_key: FPR.toLowerCase() }, 'signing_key'],
    ['without auth_required', { auth_required: undefined }, 'auth_required'],
  ];
  it.each(cases)('refuses a config %s', (_, overrides, path) => {
    let error: unknown;
    try {
      parseIndexConfig(configWith(overrides));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: 'INDEX_CONFIG_INVALID', hint: expect.any(String) });
    expect((error as ValidationError).issues).toEqual([
      { path, code: 'INDEX_CONFIG_INVALID', message: expect.any(String) },
    ]);
  });

  it('refuses a file that is not a JSON object', () => {
    expect(() => parseIndexConfig('[]')).toThrow(expect.objectContaining({ code: 'INDEX_CONFIG_INVALID' }));
  });

  it('refuses to write an invalid config', () => {
    expect(() => serializeIndexConfig({ ...CONFIG, dl: 'ftp://x/{sha256}' })).toThrow(/"dl"/);
  });

  it('knows the loopback hosts', () => {
    expect(['localhost', '127.0.0.1', '127.1.2.3', '[::1]'].every(isLoopback)).toBe(true);
    expect(['example.com', '10.0.0.1', 'localhost.example.com', '[::2]'].some(isLoopback)).toBe(false);
  });
});
