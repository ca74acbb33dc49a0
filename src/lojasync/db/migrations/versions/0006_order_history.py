"""order history as typed events, store log, error codes, processed_by

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 12:00:00

The old `sync_log` kept finished sentences keyed by store. Its rows move: an order's rows to
`order_history` (keyed by the order), the rest to `nuvemshop_store_log`. Their sentences cannot be
turned back into parameters, so they travel as `legacy_text` (shown as written; erased on an LGPD
request for that order). `orders.processed_reason` (free text) becomes `processed_by` (nfe | simple_sale).
"""
from alembic import op
import sqlalchemy as sa
import lojasync.db.types


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

ORDER_TYPES = {
    "created", "updated", "customer_missing", "customer_kept", "unknown_sku", "failed", "recovered", "attention",
    "store_update", "customer_linked", "lgpd_customer_redact", "lgpd_store_redact", "lgpd_data_request",
}
STORE_TYPES = {"app_installed", "app_uninstalled", "app_suspended", "app_resumed", "lgpd_store_redact",
               "lgpd_data_request"}
ACTORS = {"sync": "sync", "retry": "sync", "webhook": "webhook", "lgpd": "store", "operador": "operator"}
BATCH = 1000


def upgrade() -> None:
    op.create_table('order_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('actor', sa.String(length=20), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('created_at', lojasync.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_history_order_id_orders'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_history'))
    )
    with op.batch_alter_table('order_history', schema=None) as batch_op:
        batch_op.create_index('ix_order_history_order', ['order_id', 'id'], unique=False)

    op.create_table('nuvemshop_store_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('actor', sa.String(length=20), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('created_at', lojasync.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['nuvemshop_stores.id'],
                            name=op.f('fk_nuvemshop_store_log_store_id_nuvemshop_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nuvemshop_store_log'))
    )
    with op.batch_alter_table('nuvemshop_store_log', schema=None) as batch_op:
        batch_op.create_index('ix_nuvemshop_store_log_store', ['store_id', 'id'], unique=False)

    with op.batch_alter_table('nuvemshop_import_failures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error_code', sa.String(length=60), nullable=True))
    with op.batch_alter_table('nuvemshop_webhook_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error_code', sa.String(length=60), nullable=True))

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('processed_by', sa.String(length=20), nullable=True))
    conn = op.get_bind()
    orders = sa.table('orders', sa.column('id', sa.Integer), sa.column('processed_reason', sa.String),
                      sa.column('processed_by', sa.String))
    for order_id, reason in conn.execute(sa.select(orders.c.id, orders.c.processed_reason)
                                         .where(orders.c.processed_reason.is_not(None))).all():
        kind = "nfe" if "nf-e" in reason.lower() or "nfe" in reason.lower() else "simple_sale"
        conn.execute(orders.update().where(orders.c.id == order_id).values(processed_by=kind))
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('processed_reason')

    _move_sync_log(conn)
    with op.batch_alter_table('sync_log', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_log_store_external')
        batch_op.drop_index(batch_op.f('ix_sync_log_order_id'))
    op.drop_table('sync_log')


def _move_sync_log(conn) -> None:
    sync_log = sa.table('sync_log', sa.column('id', sa.Integer), sa.column('store_id', sa.Integer),
                        sa.column('external_id', sa.String), sa.column('order_id', sa.Integer),
                        sa.column('event', sa.String), sa.column('message', sa.Text),
                        sa.column('details', sa.JSON), sa.column('created_at', lojasync.db.types.UTCDateTime))
    bindings = sa.table('nuvemshop_order_bindings', sa.column('store_id', sa.Integer),
                        sa.column('external_id', sa.String), sa.column('order_id', sa.Integer))
    history = sa.table('order_history', sa.column('order_id', sa.Integer), sa.column('type', sa.String),
                       sa.column('actor', sa.String), sa.column('params', sa.JSON),
                       sa.column('created_at', lojasync.db.types.UTCDateTime))
    store_log = sa.table('nuvemshop_store_log', sa.column('store_id', sa.Integer), sa.column('type', sa.String),
                         sa.column('actor', sa.String), sa.column('params', sa.JSON),
                         sa.column('created_at', lojasync.db.types.UTCDateTime))
    # A failure logged before its order existed belongs to that order's story once it does.
    order_of = {(s, e): o for s, e, o in conn.execute(
        sa.select(bindings.c.store_id, bindings.c.external_id, bindings.c.order_id)
        .where(bindings.c.order_id.is_not(None))).all()}
    last_id = 0
    while True:
        rows = conn.execute(sa.select(sync_log).where(sync_log.c.id > last_id)
                            .order_by(sync_log.c.id).limit(BATCH)).all()
        if not rows:
            return
        last_id = rows[-1].id
        to_history, to_store_log = [], []
        for row in rows:
            source = (row.details or {}).get("source") if isinstance(row.details, dict) else None
            actor = ACTORS.get(source, "system")
            order_id = row.order_id or order_of.get((row.store_id, row.external_id))
            params = {"legacy_text": row.message}
            if order_id is not None:
                kind = row.event if row.event in ORDER_TYPES else "legacy"
                to_history.append({"order_id": order_id, "type": kind, "actor": actor, "params": params,
                                   "created_at": row.created_at})
            elif row.event == "failed":
                to_store_log.append({"store_id": row.store_id, "type": "import_failed", "actor": actor,
                                     "params": {**params, "external_id": row.external_id},
                                     "created_at": row.created_at})
            else:
                kind = row.event if row.event in STORE_TYPES else "legacy"
                to_store_log.append({"store_id": row.store_id, "type": kind, "actor": actor, "params": params,
                                     "created_at": row.created_at})
        if to_history:
            conn.execute(history.insert(), to_history)
        if to_store_log:
            conn.execute(store_log.insert(), to_store_log)


def downgrade() -> None:
    op.create_table('sync_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=40), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.Column('created_at', lojasync.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_sync_log_order_id_orders')),
    sa.ForeignKeyConstraint(['store_id'], ['nuvemshop_stores.id'], name=op.f('fk_sync_log_store_id_nuvemshop_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_log'))
    )
    with op.batch_alter_table('sync_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_log_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_sync_log_store_external', ['store_id', 'external_id'], unique=False)
    # History written after the upgrade has no sentences to give back: it is not copied down.
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('processed_reason', sa.String(length=200), nullable=True))
    orders = sa.table('orders', sa.column('processed_reason', sa.String), sa.column('processed_by', sa.String))
    for kind, reason in (("nfe", "NF-e autorizada"), ("simple_sale", "venda simples confirmada")):
        op.get_bind().execute(orders.update().where(orders.c.processed_by == kind).values(processed_reason=reason))
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('processed_by')
    with op.batch_alter_table('nuvemshop_webhook_events', schema=None) as batch_op:
        batch_op.drop_column('error_code')
    with op.batch_alter_table('nuvemshop_import_failures', schema=None) as batch_op:
        batch_op.drop_column('error_code')
    with op.batch_alter_table('nuvemshop_store_log', schema=None) as batch_op:
        batch_op.drop_index('ix_nuvemshop_store_log_store')
    op.drop_table('nuvemshop_store_log')
    with op.batch_alter_table('order_history', schema=None) as batch_op:
        batch_op.drop_index('ix_order_history_order')
    op.drop_table('order_history')
