-- 清欠 (issue 15, article 14): contracts with small firms and their payments, complaints, and each
-- complaint's steps (投诉 → 核实 → 受理 → 交办 → 劝告指导 → 约谈 → 主动执法 → 清偿 → 销号, or 不予受理).
-- Money is integer fen. Append-only: triggers refuse UPDATE and DELETE (a state is a new step).

-- One contract: the creditor (a small firm), the debtor (payer) with its kind, supervising unit and
-- county, and what its due date depends on. regulation, start_on and due_on are computed by
-- huiqi-arrears when the contract is registered (due_on NULL: no due date can be computed).
CREATE TABLE arrears_contracts (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    creditor_uscc         TEXT    NOT NULL,
    creditor_name         TEXT    NOT NULL,
    debtor_name           TEXT    NOT NULL,
    debtor_uscc           TEXT    NOT NULL,
    debtor_kind           TEXT    NOT NULL CHECK (debtor_kind IN ('government', 'public_institution', 'large_enterprise', 'other')),
    supervising_unit      TEXT    NOT NULL DEFAULT '',
    county                TEXT    NOT NULL,
    contract_no           TEXT    NOT NULL,
    contract_date         TEXT    NOT NULL,
    amount_fen            INTEGER NOT NULL CHECK (amount_fen > 0),
    delivered_on          TEXT    NOT NULL,
    accepted_on           TEXT,
    acceptance_days       INTEGER CHECK (acceptance_days >= 0),
    agreed_days           INTEGER CHECK (agreed_days >= 0),
    -- The agreed late-interest rate, percent a year as an exact decimal ('3.45'); NULL: none agreed.
    agreed_rate           TEXT,
    settled_on            TEXT,
    third_party_condition INTEGER NOT NULL DEFAULT 0,
    regulation            TEXT    NOT NULL,
    start_on              TEXT    NOT NULL,
    due_on                TEXT,
    created_by            TEXT    NOT NULL,
    created_at            TEXT    NOT NULL,
    UNIQUE (creditor_uscc, debtor_uscc, contract_no)
);
CREATE INDEX arrears_contracts_debtor ON arrears_contracts (debtor_uscc);
CREATE INDEX arrears_contracts_county ON arrears_contracts (county);
CREATE INDEX arrears_contracts_unit ON arrears_contracts (supervising_unit);

CREATE TABLE arrears_payments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id INTEGER NOT NULL REFERENCES arrears_contracts (id),
    paid_on     TEXT    NOT NULL,
    amount_fen  INTEGER NOT NULL CHECK (amount_fen > 0),
    recorded_by TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL
);
CREATE INDEX arrears_payments_contract ON arrears_payments (contract_id, paid_on);

-- A complaint about one contract, registered by the creditor or by an official on its behalf.
CREATE TABLE arrears_complaints (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id     INTEGER NOT NULL REFERENCES arrears_contracts (id),
    outstanding_fen INTEGER NOT NULL CHECK (outstanding_fen > 0),
    description     TEXT    NOT NULL DEFAULT '',
    on_behalf       INTEGER NOT NULL DEFAULT 0,
    registered_on   TEXT    NOT NULL,
    registered_by   TEXT    NOT NULL
);
CREATE INDEX arrears_complaints_contract ON arrears_complaints (contract_id);

-- The steps of a complaint, numbered (two people acting at once cannot both write the next one).
-- undisputed_fen/disputed_fen: set by the 核实 step.
CREATE TABLE arrears_case_steps (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    complaint_id   INTEGER NOT NULL REFERENCES arrears_complaints (id),
    seq            INTEGER NOT NULL,
    state          TEXT    NOT NULL CHECK (state IN ('complained', 'verified', 'accepted', 'handed_on', 'advised',
                                                     'interviewed', 'enforced', 'paid', 'closed', 'rejected')),
    on_date        TEXT    NOT NULL,
    unit           TEXT    NOT NULL,
    note           TEXT    NOT NULL DEFAULT '',
    undisputed_fen INTEGER CHECK (undisputed_fen >= 0),
    disputed_fen   INTEGER CHECK (disputed_fen >= 0),
    by_user        TEXT    NOT NULL,
    at             TEXT    NOT NULL,
    UNIQUE (complaint_id, seq)
);

CREATE TRIGGER arrears_contracts_no_update BEFORE UPDATE ON arrears_contracts
BEGIN SELECT RAISE(ABORT, '只能追加，不能修改或删除（arrears_contracts）'); END;
CREATE TRIGGER arrears_contracts_no_delete BEFORE DELETE ON arrears_contracts
BEGIN SELECT RAISE(ABORT, '只能追加，不能修改或删除（arrears_contracts）'); END;
CREATE TRIGGER arrears_payments_no_update BEFORE UPDATE ON arrears_payments
BEGIN SELECT RAISE(ABORT, '只能追加，不能修改或删除（arrears_payments）'); END;
CREATE TRIGGER arrears_payments_no_delete BEFORE DELETE ON arrears_payments
BEGIN SELECT RAISE(ABORT, '只能追加，不能修改或删除（arrears_payments）'); END;
CREATE TRIGGER arrears_complaints_no_update BEFORE UPDATE ON arrears_complaints
BEGIN SELECT RAISE(ABORT, '只能追加，不能修改或删除（arrears_complaints）'); END;
CREATE TRIGGER arrears_complaints_no_delete BEFORE DELETE ON arrears_complaints
BEGIN SELECT RAISE(ABORT, '只能追加，不能修改或删除（arrears_complaints）'); END;
CREATE TRIGGER arrears_case_steps_no_update BEFORE UPDATE ON arrears_case_steps
BEGIN SELECT RAISE(ABORT, '只能追加，不能修改或删除（arrears_case_steps）'); END;
CREATE TRIGGER arrears_case_steps_no_delete BEFORE DELETE ON arrears_case_steps
BEGIN SELECT RAISE(ABORT, '只能追加，不能修改或删除（arrears_case_steps）'); END;
