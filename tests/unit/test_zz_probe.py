from pathlib import Path
from clerk import ApplicationError, BusinessError
from clerk._engine import RunOptions, run_bot, ledger_path
from clerk._ledger import Ledger

def test_probe(make_bot, fake_app, settings, write_table):
    path = write_table("l.csv", [["Reference", "Amount"], ["A-1", "1"], ["A-2", "2"]])
    fake_app.find_errors["A-1"] = [ApplicationError("down")] * 3
    try:
        report = run_bot(make_bot(), settings, RunOptions(input_path=path, dry_run=True))
        print([(r.row, r.status) for r in report.results])
    except Exception as e:
        print("RAISED", repr(e))
    l = Ledger(ledger_path(settings)); print(l.runs()); l.close()

def test_probe2(make_bot, fake_app, settings, write_table):
    path = write_table("l.csv", [["Reference", "Amount"], ["A-1", "1"], ["A-2", "2"]])
    fake_app.preflight_errors = [ApplicationError("down")] * 3
    try:
        report = run_bot(make_bot(preflight=fake_app.preflight), settings, RunOptions(input_path=path))
        print([(r.row, r.status) for r in report.results])
    except Exception as e:
        print("RAISED", repr(e))
    l = Ledger(ledger_path(settings)); print(l.runs()); l.close()
