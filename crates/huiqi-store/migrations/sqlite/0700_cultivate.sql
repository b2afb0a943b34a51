-- 梯队培育 (issue 17): the park register (小微企业园, article 6), one file per year; SQLite dialect,
-- migrations/postgres/0700_cultivate.sql is the same schema. Areas in hundredths of a 亩, money in fen.

-- Every import of a 梯队培育 file (its provenance: name, SHA-256, time, rows).
CREATE TABLE cultivate_imports (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    source      TEXT    NOT NULL CHECK (source IN ('parks')),
    year        INTEGER NOT NULL,
    file_name   TEXT    NOT NULL,
    file_sha256 TEXT    NOT NULL,
    imported_at TEXT    NOT NULL,
    rows_total  INTEGER NOT NULL
);

-- The park register of a year: the latest file of the year replaces the year's rows.
CREATE TABLE parks (
    year             INTEGER NOT NULL,
    park_id          TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    county           TEXT    NOT NULL,
    opened_year      INTEGER NOT NULL,
    area_mu_x100     INTEGER NOT NULL CHECK (area_mu_x100 > 0),
    occupied_mu_x100 INTEGER NOT NULL CHECK (occupied_mu_x100 >= 0),
    enterprises      INTEGER NOT NULL CHECK (enterprises >= 0),
    output_fen       INTEGER NOT NULL CHECK (output_fen >= 0),
    tax_fen          INTEGER NOT NULL CHECK (tax_fen >= 0),
    employees        INTEGER NOT NULL CHECK (employees >= 0),
    graduates        INTEGER NOT NULL CHECK (graduates >= 0),
    services         INTEGER NOT NULL CHECK (services >= 0),
    safety_incidents INTEGER NOT NULL CHECK (safety_incidents >= 0),
    import_id        INTEGER NOT NULL REFERENCES cultivate_imports (id),
    PRIMARY KEY (year, park_id)
);
