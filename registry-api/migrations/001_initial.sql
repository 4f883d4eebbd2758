-- The registry's tables (DESIGN §2, §5). PostgreSQL holds the truth; the index is a projection of
-- the feed table. Keep to what PostgreSQL 15 supports: the embedded engine is newer.

CREATE TABLE users (
  id            bigserial PRIMARY KEY,
  username      text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(username) <= 64),
  -- The confusable skeleton (schema's nameSkeleton): two usernames that look alike cannot coexist.
  skeleton      text NOT NULL UNIQUE,
  email         text NOT NULL CHECK (length(email) <= 254),
  password_hash text NOT NULL,
  is_admin      boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- Session JWTs carry a jti; a row exists while the session may be used. Logout or a password
-- change deletes or revokes it, which revokes the token.
CREATE TABLE sessions (
  jti         uuid PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
  id           bigserial PRIMARY KEY,
  user_id      bigint NOT NULL REFERENCES users (id),
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
  -- SHA-256 of the whole token; the token itself is shown once and never stored.
  token_hash   bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  scopes       text[] NOT NULL CHECK (scopes <@ ARRAY['publish-new', 'publish-update', 'yank', 'owners']::text[]),
  -- Exact names or `prefix*` patterns; NULL means every skill the user owns.
  skills       text[],
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  last_used_at timestamptz,
  revoked_at   timestamptz,
  -- In hours: '90 days' is calendar days in the session's time zone, 89 d 23 h across a DST change.
  CHECK (expires_at <= created_at + interval '2160 hours')
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Publishers' OpenPGP keys. A fingerprint belongs to one account forever: rows are never deleted,
-- only revoked.
CREATE TABLE keys (
  fingerprint       char(40) PRIMARY KEY CHECK (fingerprint ~ '^[0-9A-F]{40}$'),
  user_id           bigint NOT NULL REFERENCES users (id),
  armored           text NOT NULL,
  algorithm         text NOT NULL,
  key_created_at    timestamptz NOT NULL,
  key_expires_at    timestamptz,
  registered_at     timestamptz NOT NULL DEFAULT now(),
  revoked_at        timestamptz,
  revocation_reason text CHECK (revocation_reason IN ('compromised', 'superseded', 'retired'))
);
CREATE INDEX keys_user ON keys (user_id);

CREATE TABLE key_challenges (
  nonce      text PRIMARY KEY,
  user_id    bigint NOT NULL REFERENCES users (id),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);

-- A skill name is never freed once it had a version (DESIGN §3); rows are never deleted.
CREATE TABLE skills (
  id         bigserial PRIMARY KEY,
  name       text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(name) <= 64),
  skeleton   text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Which skill first took a skeleton: a new name with a taken skeleton is allowed only to an owner
-- of that skill (the same owner set), so look-alike names cannot spread across owners.
CREATE TABLE skeletons (
  skeleton text PRIMARY KEY,
  skill_id bigint NOT NULL REFERENCES skills (id)
);

CREATE TABLE owners (
  skill_id bigint NOT NULL REFERENCES skills (id),
  user_id  bigint NOT NULL REFERENCES users (id),
  added_by bigint REFERENCES users (id),
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (skill_id, user_id)
);
CREATE INDEX owners_user ON owners (user_id);

-- One row per name@version ever published. A purge keeps the row (purged_at), so the version
-- can never be published again with other bytes.
CREATE TABLE versions (
  id           bigserial PRIMARY KEY,
  skill_id     bigint NOT NULL REFERENCES skills (id),
  version      text NOT NULL CHECK (length(version) <= 64),
  sha256       char(64) NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size         integer NOT NULL CHECK (size > 0),
  signer       char(40) REFERENCES keys (fingerprint),
  publisher_id bigint NOT NULL REFERENCES users (id),
  -- The index line fields (DESIGN §4), as checked at publish time.
  description  text NOT NULL,
  license      text,
  deps         jsonb NOT NULL,
  keywords     text[] NOT NULL,
  -- File list of the archive (the discovery index serves it).
  files        jsonb NOT NULL,
  published_at timestamptz NOT NULL,
  yanked       boolean NOT NULL DEFAULT false,
  yank_reason  text CHECK (length(yank_reason) <= 1024),
  purged_at    timestamptz,
  purge_reason text,
  -- The 201 body, answered again (as 200) when the same bytes are published again.
  response     jsonb NOT NULL,
  UNIQUE (skill_id, version)
);

CREATE TABLE version_keywords (
  version_id bigint NOT NULL REFERENCES versions (id),
  keyword    text NOT NULL,
  PRIMARY KEY (version_id, keyword)
);
CREATE INDEX version_keywords_keyword ON version_keywords (keyword);

-- Work for the index worker: "this skill's index state may differ from the database".
CREATE TABLE index_jobs (
  id         bigserial PRIMARY KEY,
  skill_id   bigint NOT NULL REFERENCES skills (id),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The registry's current epoch (one row).
CREATE TABLE registry_state (
  id         integer PRIMARY KEY CHECK (id = 1),
  epoch      text NOT NULL CHECK (epoch ~ '^[a-z0-9-]{1,32}$'),
  started_at timestamptz NOT NULL DEFAULT now()
);

-- The feed: the exact bytes of every feed line ever emitted, per epoch. Never updated or deleted.
CREATE TABLE feed (
  epoch      text NOT NULL,
  seq        bigint NOT NULL CHECK (seq >= 1),
  line       bytea NOT NULL,
  hash       char(64) NOT NULL,
  skill_id   bigint NOT NULL REFERENCES skills (id),
  version    text NOT NULL,
  op         text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (epoch, seq)
);
CREATE INDEX feed_skill ON feed (skill_id, epoch, seq);

CREATE TABLE audit_log (
  id       bigserial PRIMARY KEY,
  at       timestamptz NOT NULL DEFAULT now(),
  actor_id bigint REFERENCES users (id),
  action   text NOT NULL,
  subject  text NOT NULL,
  detail   jsonb NOT NULL DEFAULT '{}',
  ip       text
);
CREATE INDEX audit_log_subject ON audit_log (subject, at);

-- Token buckets for rate limits (DESIGN §5 Limits), keyed by e.g. `publish-new:user:42`.
CREATE TABLE rate_buckets (
  key        text PRIMARY KEY,
  tokens     double precision NOT NULL,
  updated_at timestamptz NOT NULL
);
