-- Up Migration

-- One sequence for every row's version: a row's versions only grow (an UPDATE waits for the
-- row lock, then its trigger draws the next value), and a re-inserted id gets a value above
-- the versions of earlier rows, so "version" orders the states a cache may hold.
CREATE SEQUENCE product_version_seq AS bigint;

CREATE TABLE products (
  id text COLLATE "C" PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_.-]{1,128}$' AND id NOT IN ('.', '..')),
  name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  price numeric NOT NULL CHECK (price >= 0),
  category text COLLATE "C" NOT NULL CHECK (category ~ '^[a-z0-9_-]{1,64}$'),
  in_stock boolean NOT NULL DEFAULT true,
  features jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(features) = 'array'),
  version bigint NOT NULL DEFAULT nextval('product_version_seq'),
  updated_at timestamptz NOT NULL DEFAULT now()
);
ALTER SEQUENCE product_version_seq OWNED BY products.version;

-- Whoever writes (the API, another service, psql) names neither column: the database sets both.
CREATE FUNCTION products_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.version := nextval('product_version_seq');
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;
CREATE TRIGGER products_stamp BEFORE INSERT OR UPDATE ON products
  FOR EACH ROW EXECUTE FUNCTION products_stamp();

-- Pages: category by id / price / name, price ranges, name order and word-prefix search.
CREATE INDEX products_category_id ON products (category, id);
CREATE INDEX products_category_price ON products (category, price, id);
CREATE INDEX products_category_name ON products (category, lower(name) COLLATE "C", id);
CREATE INDEX products_price ON products (price, id);
CREATE INDEX products_name_words ON products USING gin (to_tsvector('simple', name));

-- The change stream the worker consumes (its slot is created by the consumer). FULL identity:
-- a DELETE carries the old row's version, which fences fills that read that row before it went.
ALTER TABLE products REPLICA IDENTITY FULL;
CREATE PUBLICATION products_changes FOR TABLE products;

-- Bumped each time the consumer creates its slot: changes before a new slot are unknown, so the
-- cache namespace is flushed once per epoch; `flushed` is set once Redis has done it.
CREATE TABLE change_stream_epochs (
  slot_name text PRIMARY KEY,
  epoch bigint NOT NULL,
  flushed boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE IF EXISTS change_stream_epochs;
DROP PUBLICATION IF EXISTS products_changes;
DROP TABLE IF EXISTS products;
DROP FUNCTION IF EXISTS products_stamp();
