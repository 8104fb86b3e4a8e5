-- Purpose: the column comments say what the v2 ciphertexts are bound to (row id, column, user id); v1
-- ones, bound to the row id alone, still decrypt and are rewritten as v2 on the next connect.

comment on column public.calcom_connections.api_key_encrypted is
  'AES-256-GCM ciphertext (versioned, with key id); v2 binds it to (row id, column, user id), v1 to the row id.';
comment on column public.calcom_connections.webhook_secret_encrypted is
  'AES-256-GCM ciphertext (versioned, with key id); v2 binds it to (row id, column, user id), v1 to the row id.';
