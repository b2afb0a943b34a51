-- 清欠 (issue 15, article 14): contracts with small firms and their payments, complaints, and each
-- complaint's steps (投诉 → 核实 → 受理 → 交办 → 劝告指导 → 约谈 → 主动执法 → 清偿 → 销号, or 不予受理).
-- Money is integer fen. Append-only: triggers refuse UPDATE and DELETE (a state is a new step).

-- One contract: the creditor (a small firm), the debtor (payer) with its kind, supervising unit and
-- county, and what its due date depends on. regulation, start_on and due_on are computed by
-- huiqi-arrears when the contract is registered (due_on NULL: no due date can be computed).
CREATE TABLE arrears_contracts (
    id                    BIGSERIAL PRIMARY KEY,
    creditor_uscc         TEXT    NOT NULL,
    creditor_name         TEXT    NOT NULL,
    debtor_name           TEXT    NOT NULL,
    debtor_uscc           TEXT    NOT NULL,
    debtor_kind           TEXT    NOT NULL CHECK (debtor_kind IN ('government', 'public_institution', 'large_enterprise', 'other')),
    supervising_unit      TEXT    NOT NULL DEFAULT '',
    county                TEXT    NOT NULL,
    contract_no           TEXT    NOT NULL,
    contract_date         DATE    NOT NULL,
    amount_fen            BIGINT  NOT NULL CHECK (amount_fen > 0),
    delivered_on          DATE    NOT NULL,
    accepted_on           DATE,
    acceptance_days       INTEGER CHECK (acceptance_days >= 0),
    agreed_days           INTEGER CHECK (agreed_days >= 0),
    -- The agreed late-interest rate, percent a year as an exact decimal ('3.45'); NULL: none agreed.
    agreed_rate           TEXT,
    settled_on            DATE,
    third_party_condition BOOLEAN NOT NULL DEFAULT FALSE,
    regulation            TEXT    NOT NULL,
    start_on              DATE    NOT NULL,
    due_on                DATE,
    created_by            TEXT    NOT NULL,
    created_at            TIMESTAMPTZ    NOT NULL,
    UNIQUE (creditor_uscc, debtor_uscc, contract_no)
);
CREATE INDEX arrears_contracts_debtor ON arrears_contracts (debtor_uscc);
CREATE INDEX arrears_contracts_county ON arrears_contracts (county);
CREATE INDEX arrears_contracts_unit ON arrears_contracts (supervising_unit);

CREATE TABLE arrears_payments (
    id          BIGSERIAL PRIMARY KEY,
    contract_id BIGINT  NOT NULL REFERENCES arrears_contracts (id),
    paid_on     DATE    NOT NULL,
    amount_fen  BIGINT  NOT NULL CHECK (amount_fen > 0),
    recorded_by TEXT    NOT NULL,
    recorded_at TIMESTAMPTZ    NOT NULL
);
CREATE INDEX arrears_payments_contract ON arrears_payments (contract_id, paid_on);

-- A complaint about one contract, registered by the creditor or by an official on its behalf.
CREATE TABLE arrears_complaints (
    id              BIGSERIAL PRIMARY KEY,
    contract_id     BIGINT  NOT NULL REFERENCES arrears_contracts (id),
    outstanding_fen BIGINT  NOT NULL CHECK (outstanding_fen > 0),
    description     TEXT    NOT NULL DEFAULT '',
    on_behalf       BOOLEAN NOT NULL DEFAULT FALSE,
    registered_on   DATE    NOT NULL,
    registered_by   TEXT    NOT NULL
);
CREATE INDEX arrears_complaints_contract ON arrears_complaints (contract_id);

-- The steps of a complaint, numbered (two people acting at once cannot both write the next one).
-- undisputed_fen/disputed_fen: set by the 核实 step.
CREATE TABLE arrears_case_steps (
    id             BIGSERIAL PRIMARY KEY,
    complaint_id   BIGINT  NOT NULL REFERENCES arrears_complaints (id),
    seq            BIGINT  NOT NULL,
    state          TEXT    NOT NULL CHECK (state IN ('complained', 'verified', 'accepted', 'handed_on', 'advised',
                                                     'interviewed', 'enforced', 'paid', 'closed', 'rejected')),
    on_date        DATE    NOT NULL,
    unit           TEXT    NOT NULL,
    note           TEXT    NOT NULL DEFAULT '',
    undisputed_fen BIGINT  CHECK (undisputed_fen >= 0),
    disputed_fen   BIGINT  CHECK (disputed_fen >= 0),
    by_user        TEXT    NOT NULL,
    at             TIMESTAMPTZ    NOT NULL,
    UNIQUE (complaint_id, seq)
);

CREATE FUNCTION huiqi_arrears_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '只能追加，不能修改或删除（%）', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER arrears_contracts_append_only BEFORE UPDATE OR DELETE ON arrears_contracts
    FOR EACH ROW EXECUTE FUNCTION huiqi_arrears_append_only();
CREATE TRIGGER arrears_payments_append_only BEFORE UPDATE OR DELETE ON arrears_payments
    FOR EACH ROW EXECUTE FUNCTION huiqi_arrears_append_only();
CREATE TRIGGER arrears_complaints_append_only BEFORE UPDATE OR DELETE ON arrears_complaints
    FOR EACH ROW EXECUTE FUNCTION huiqi_arrears_append_only();
CREATE TRIGGER arrears_case_steps_append_only BEFORE UPDATE OR DELETE ON arrears_case_steps
    FOR EACH ROW EXECUTE FUNCTION huiqi_arrears_append_only();
