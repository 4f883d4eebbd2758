-- Key revocations reach installers (docs/DECISIONS.md, "Key revocations and token self-revocation").
-- A key's `armored` may now carry the owner's OpenPGP revocation signature, and the index worker
-- re-renders keys/<FPR>.asc when it changes. Keep to what PostgreSQL 15 supports.

-- True once `armored` carries a verified key revocation made by the key itself, so installers see it
-- in keys/<FPR>.asc; false for a revocation only this registry knows (no signature was sent).
-- revoked_at and revocation_reason then follow that signature.
ALTER TABLE keys ADD COLUMN revocation_published boolean NOT NULL DEFAULT false;
ALTER TABLE keys ADD CONSTRAINT keys_published_revocation_revokes
  CHECK (NOT revocation_published OR revoked_at IS NOT NULL);

-- The key half of the index queue: "keys/<FPR>.asc may differ from this key row". Claimed and
-- deleted by the worker under the render lock, after the index commit that renders the key.
CREATE TABLE index_key_jobs (
  id          bigserial PRIMARY KEY,
  fingerprint char(40) NOT NULL REFERENCES keys (fingerprint),
  created_at  timestamptz NOT NULL DEFAULT now()
);
