/**
 * The taxon filter at a million images, by index only:
 *
 * - `taxon_names`: every distinct text value of the ancestries (the names of taxa at any rank,
 *   a few tens of thousands where `taxa` holds the distinct ancestries), and `taxon_name_taxa`
 *   which ancestries hold each name. A filter matches the short names (LIKE) instead of walking
 *   the JSON of every ancestry.
 * - `image_taxa`: each image's ancestries (through its URLs' source rows), so a taxon's images are
 *   one range of an index instead of a text join of source rows to URLs per image.
 *
 * All kept by triggers: a new ancestry adds its names; a source row getting an ancestry or another
 * URL, and a URL mapped to an image, add the pair; a source row losing its ancestry or URL removes
 * the pair when no other row of the image still gives it. Nothing deletes images, URLs or source
 * rows, so those need no triggers.
 */
export const sql = /* sql */ `
CREATE TABLE taxon_names (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
CREATE TABLE taxon_name_taxa (
  name_id  INTEGER NOT NULL REFERENCES taxon_names (id),
  taxon_id INTEGER NOT NULL REFERENCES taxa (id),
  PRIMARY KEY (name_id, taxon_id)
) WITHOUT ROWID;
CREATE TABLE image_taxa (
  taxon_id INTEGER NOT NULL REFERENCES taxa (id),
  image_id INTEGER NOT NULL REFERENCES images (id),
  PRIMARY KEY (taxon_id, image_id)
) WITHOUT ROWID;

-- What the library holds already.
INSERT INTO taxon_names (name)
  SELECT DISTINCT j.atom FROM taxa t, json_tree(CASE WHEN json_valid(t.ancestry) THEN t.ancestry ELSE '{}' END) j WHERE j.type = 'text';
INSERT INTO taxon_name_taxa (name_id, taxon_id)
  SELECT DISTINCT n.id, t.id FROM taxa t, json_tree(CASE WHEN json_valid(t.ancestry) THEN t.ancestry ELSE '{}' END) j
  JOIN taxon_names n ON n.name = j.atom WHERE j.type = 'text';
INSERT INTO image_taxa (taxon_id, image_id)
  SELECT DISTINCT s.taxon_id, u.image_id FROM source_rows s JOIN image_urls u ON u.url = s.url WHERE s.taxon_id IS NOT NULL;

-- A new ancestry: its names (inside a trigger the outer statement's conflict rule wins, so no
-- INSERT OR IGNORE: only names not there yet, each once).
CREATE TRIGGER taxa_names_insert AFTER INSERT ON taxa BEGIN
  INSERT INTO taxon_names (name)
    SELECT DISTINCT j.atom FROM json_tree(CASE WHEN json_valid(NEW.ancestry) THEN NEW.ancestry ELSE '{}' END) j
    WHERE j.type = 'text' AND NOT EXISTS (SELECT 1 FROM taxon_names n WHERE n.name = j.atom);
  INSERT INTO taxon_name_taxa (name_id, taxon_id)
    SELECT DISTINCT n.id, NEW.id FROM json_tree(CASE WHEN json_valid(NEW.ancestry) THEN NEW.ancestry ELSE '{}' END) j
    JOIN taxon_names n ON n.name = j.atom WHERE j.type = 'text';
END;

-- A URL mapped to an image: the ancestries of the URL's source rows.
CREATE TRIGGER image_urls_taxa_insert AFTER INSERT ON image_urls BEGIN
  INSERT INTO image_taxa (taxon_id, image_id)
    SELECT DISTINCT s.taxon_id, NEW.image_id FROM source_rows s
    WHERE s.url = NEW.url AND s.taxon_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM image_taxa x WHERE x.taxon_id = s.taxon_id AND x.image_id = NEW.image_id);
END;

-- A source row gets its ancestry (migration 009's triggers set taxon_id after the insert) or
-- another ancestry or URL (an upsert of the same origin and line).
CREATE TRIGGER source_rows_image_taxa_update AFTER UPDATE OF taxon_id, url ON source_rows BEGIN
  INSERT INTO image_taxa (taxon_id, image_id)
    SELECT DISTINCT NEW.taxon_id, u.image_id FROM image_urls u
    WHERE NEW.taxon_id IS NOT NULL AND u.url = NEW.url
      AND NOT EXISTS (SELECT 1 FROM image_taxa x WHERE x.taxon_id = NEW.taxon_id AND x.image_id = u.image_id);
  DELETE FROM image_taxa
    WHERE OLD.taxon_id IS NOT NULL AND (OLD.taxon_id IS NOT NEW.taxon_id OR OLD.url IS NOT NEW.url)
      AND taxon_id = OLD.taxon_id
      AND image_id IN (SELECT u.image_id FROM image_urls u WHERE u.url = OLD.url)
      AND NOT EXISTS (SELECT 1 FROM image_urls u2 JOIN source_rows s2 ON s2.url = u2.url
                      WHERE u2.image_id = image_taxa.image_id AND s2.taxon_id = OLD.taxon_id);
END;
`;
