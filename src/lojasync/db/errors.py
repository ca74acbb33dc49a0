"""Why the database cannot be opened, in words an operator can act on (the traceback goes to the log)."""

from __future__ import annotations

from lojasync.shared.errors import Action, LojasyncError


class DatabaseUrlInvalid(LojasyncError):
    code = "database.url_invalid"
    message_template = "LOJASYNC_DATABASE_URL inválida: {reason}."
    resolution_template = ("Use sqlite:///caminho/lojasync.db ou postgresql://usuario@servidor/banco (ou deixe a "
                           "variável vazia para o SQLite na pasta de dados).")
    action = Action.CONFIGURE


class DatabaseUnavailable(LojasyncError):
    code = "database.unavailable"
    message_template = "Não foi possível abrir o banco de dados {where}: {reason}."
    resolution_template = "{resolution}"
    action = Action.CONFIGURE
    retryable = True


class DatabaseCorrupt(LojasyncError):
    code = "database.corrupt"
    message_template = "O arquivo {path} não é um banco de dados do lojasync (SQLite ilegível ou corrompido)."
    resolution_template = ("Restaure o arquivo de um backup, ou aponte LOJASYNC_DATA_DIR para a pasta certa; o "
                           "lojasync não apaga nem sobrescreve esse arquivo.")
    action = Action.CONFIGURE


class DataFolderProblem(LojasyncError):
    code = "database.data_folder"
    message_template = "A pasta de dados {path} {reason}."
    resolution_template = "{resolution}"
    action = Action.CONFIGURE


class NoDataFolder(LojasyncError):
    code = "database.no_data_folder"
    message_template = "Nenhum banco do lojasync em {path}."
    resolution_template = ("Rode o comando na pasta onde está a pasta de dados, ou indique-a (--data-dir PASTA ou "
                           "LOJASYNC_DATA_DIR); para começar do zero, conecte uma loja.")
    action = Action.CONNECT_STORE


class DatabaseFromNewerVersion(LojasyncError):
    """The schema carries a revision this code does not know: opening it would risk writing an old shape."""

    code = "database.newer_version"
    message_template = ("O banco de dados {where} foi atualizado por uma versão mais nova do lojasync (revisão "
                        "{revision}); esta versão conhece até a revisão {head}.")
    resolution_template = ("Use a versão do lojasync que atualizou o banco (ou mais nova), ou aponte para outro "
                           "banco; esta versão não altera esse banco.")
    action = Action.CONFIGURE


class DatabaseOfAnotherSystem(LojasyncError):
    """Tables and no lojasync revision: LOJASYNC_DATABASE_URL points at another program's database (the ERP's,
    a shop's). Migrating would write lojasync's tables among them; nothing is written."""

    code = "database.another_system"
    message_template = ("O banco de dados {where} já tem tabelas de outro sistema ({tables}) e nenhuma do lojasync: "
                        "o lojasync não grava nele.")
    resolution_template = ("Aponte LOJASYNC_DATABASE_URL para um banco vazio (o lojasync cria as tabelas dele) ou "
                           "para o banco do lojasync; com PostgreSQL, um banco ou schema só dele.")
    action = Action.CONFIGURE


class DatabaseWriteFailed(LojasyncError):
    """The database could not take a write, or answer a read, for a reason of its own (disk full, read-only,
    connection lost, permission, a corrupt file): not another writer, so "try again" alone would not help."""

    code = "database.write_failed"
    # Neutral about reading or writing: a list read from a corrupt file was said not to have been "written".
    message_template = "O banco de dados falhou: {reason}. Nada foi gravado pela metade."
    resolution_template = "{resolution}"
    action = Action.CONFIGURE
    # Retryable for the worker (the next round tries again once the disk or the server is back: a store is never
    # stopped for it); the terminal still exits 1, a person fixing the machine first (`cli.context.exit_code`).
    retryable = True


class SchemaMismatch(LojasyncError):
    """The database lacks a table or column this version reads or writes: it was migrated by another version (a
    development snapshot whose migration changed later, say). The same statement fails until the schema is mended:
    not two writers meeting, whose "try again" a script would follow for ever."""

    code = "database.schema_mismatch"
    message_template = ("O banco de dados não tem o que esta versão do lojasync espera ({what}): ele foi atualizado "
                        "por outra versão.")
    resolution_template = ("Aplique as migrações do banco (quem instalou o servidor). Se o erro continuar, o banco "
                           "passou por uma versão de desenvolvimento do lojasync: restaure o backup de antes da "
                           "atualização, ou informe quem mantém o lojasync (o detalhe está no log de erros).")
    terminal_commands = ("lojasync db upgrade",)
    action = Action.CONFIGURE
    # The database's, not a store's nor an event's: the worker logs it and tries again next round, flagging no store
    # and failing no notification (review); the terminal still exits 1 (CONFIGURE), a person upgrading first.
    retryable = True
