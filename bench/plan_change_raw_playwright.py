#!/usr/bin/env python3
"""The plan-change script people write: plain Playwright, one process per RT ticket.

Works ONE ticket of the sandbox's RT queue end to end, the steps clerk's plan_change bot
takes, with a screenshot after each:
1. RT: log in, open the ticket, wait for its history, read "Account number: N" and
   "Requested plan code: P" from it;
2. LedgerSMB: log in, Contacts > Search by account number, keep the row whose number is
   exactly N, open it; read the plan and the end date on Credit Accounts; refuse a closed
   account; pick plan P, Save Changes, add a "Credit Account" note, reload and check both;
3. RT: Actions > Comment with status "resolved", Update Ticket, reload, check.

    python bench/plan_change_raw_playwright.py --ticket 12 [--shots DIR]

Logins come from CLERK_RT_USER / CLERK_RT_PASSWORD and CLERK_LEDGERSMB_USER /
CLERK_LEDGERSMB_PASSWORD (sandbox/credentials.sh). Prints one JSON line; exit status 0 when
the plan, the note, the comment and the status were all seen after fresh loads, else 1.
The pages' quirks it works around are in ../shared/legacy-apps/README.md.
"""
import argparse
import datetime
import json
import os
import re
import sys
import time

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync', '--no-first-run']
HISTORY = '.history-container .transaction'
NEW_FORM = '(old) => { const e = document.querySelector("#credit_form input[name=form_id]"); return e && e.value !== old; }'


def read_request(page, rt, ticket):
    page.goto(rt + '/')
    page.fill('input[name=user]', os.environ['CLERK_RT_USER'])
    page.fill('input[name=pass]', os.environ['CLERK_RT_PASSWORD'])
    page.click('form[action$="Login.html"] input[type=submit]')
    page.wait_for_selector('#main-navigation')
    page.goto(f'{rt}/Ticket/Display.html?id={ticket}')
    page.wait_for_selector(HISTORY)  # the history (the request's text) arrives by AJAX
    text = page.locator('.history-container').first.inner_text()
    account = re.search(r'Account number:\s*(\d{8})', text)
    plan = re.search(r'Requested plan code:\s*([A-Z]+-\d+)', text)
    if not (account and plan):
        raise LookupError(f'ticket {ticket} names no account number or plan code')
    return account.group(1), plan.group(1)


def credit_tab(page, account):
    """The plan shown on Credit Accounts, and the end date from the accounts list (the form's is always empty)."""
    page.get_by_role('tab', name='Credit Accounts').click()
    page.locator('#pricegroup-id').wait_for()
    plan = page.locator('#pricegroup-id .dijitSelectLabel').inner_text().strip()
    row = page.locator('#credit_accounts_list tbody tr').filter(has=page.locator('td.meta_number', has_text=account))
    return plan, (row.first.locator('td.enddate').inner_text().strip() if row.count() else '')


def pick(page, select_id, text):
    page.click('#' + select_id)
    page.locator(f'#{select_id}_menu').get_by_role('option', name=text, exact=True).click()


def posted(page, click):
    with page.expect_response(lambda r: r.request.method == 'POST' and '/contact.pl' in r.url) as answer:
        click()
    if answer.value.status != 200:
        raise RuntimeError(f'contact.pl answered HTTP {answer.value.status}')


def change_plan(page, lsmb, account, plan, ticket, shot):
    page.goto(lsmb + '/login.pl')
    page.fill('input[name=login]', os.environ['CLERK_LEDGERSMB_USER'])
    page.fill('input[name=password]', os.environ['CLERK_LEDGERSMB_PASSWORD'])
    page.fill('input[name=company]', 'acme')
    page.get_by_role('button', name='Login').click()
    page.get_by_role('treeitem', name='Contacts', exact=True).click()
    page.get_by_role('treeitem', name='Search', exact=True).first.click()
    page.fill('form#search-contact input[name=meta_number]', account)
    page.get_by_role('button', name='Search').click()
    page.wait_for_selector('#maindiv table.report')
    exact = re.compile(rf'^\s*{account}\s*$')
    rows = page.locator('#maindiv table.report tbody tr').filter(has=page.locator('td.meta_number', has_text=exact))
    if rows.count() != 1:  # the search matches the beginning of the number
        raise LookupError(f'{rows.count()} customers with account number {account}')
    rows.locator('td.meta_number a').click()
    page.wait_for_selector('#contact_tabs')
    before, end = credit_tab(page, exact)
    note = f'RT ticket {ticket}: plan changed from {before} to {plan}'
    if end and end <= datetime.date.today().isoformat():
        raise LookupError(f'account {account} is closed (end date {end})')
    shot('2-customer')
    if before != plan:
        pick(page, 'pricegroup-id', plan)
        if end:  # else Save Changes would clear the end date
            page.fill('#enddate', end)
            page.keyboard.press('Tab')
        old = page.locator('#credit_form input[name=form_id]').first.input_value()
        posted(page, lambda: page.get_by_role('button', name='Save Changes').click())
        page.wait_for_function(NEW_FORM, arg=old)
        page.get_by_role('tab', name='Notes').click()
        notes = page.locator('#notes_div .note').count()
        page.fill('#notes_div input[name=subject]', 'Plan change')
        pick(page, 'note-class', 'Credit Account')
        page.fill('#notes_div textarea[name=note]', note)
        posted(page, lambda: page.locator('#notes_div').get_by_role('button', name='Save', exact=True).click())
        page.wait_for_function('(n) => document.querySelectorAll("#notes_div .note").length > n', arg=notes)
    shot('3-changed')
    page.reload()  # the URL hash names the contact screen: a fresh read from the server
    page.wait_for_selector('#contact_tabs')
    after, end_after = credit_tab(page, exact)
    page.get_by_role('tab', name='Notes').click()
    noted = page.locator('#notes_div .note_contents', has_text=note).count() >= 1
    shot('4-read-back')
    return before, after == plan and end_after == end and noted


def resolve(page, rt, ticket, comment):
    page.goto(f'{rt}/Ticket/Update.html?Action=Comment&id={ticket}')
    status = page.locator('div.bootstrap-select:has(select[name=Status])')
    status.locator('button.dropdown-toggle').click()
    status.locator('.dropdown-menu li a', has_text=re.compile('^resolved$')).click()
    page.frame_locator('iframe.cke_wysiwyg_frame').locator('body').click()
    page.keyboard.type(comment)
    page.click('input[name=SubmitTicket]')
    page.wait_for_url(re.compile(r'/Ticket/Display\.html'))
    page.goto(f'{rt}/Ticket/Display.html?id={ticket}')
    page.wait_for_selector(HISTORY)
    shown = page.locator('.status .value .current-value').first.inner_text().strip()
    return shown == 'resolved' and comment in page.locator('.history-container').first.inner_text()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ticket', required=True, type=int)
    ap.add_argument('--rt', default='http://127.0.0.1:8085')
    ap.add_argument('--ledgersmb', default='http://127.0.0.1:5762')
    ap.add_argument('--shots', default='')
    a = ap.parse_args()
    if a.shots:
        os.makedirs(a.shots, exist_ok=True)
    result, started = {'ok': False, 'ticket': a.ticket}, time.monotonic()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path='/usr/bin/chromium', args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={'width': 1280, 'height': 1000})
        page.set_default_timeout(60000)

        def shot(name):
            if a.shots:
                page.screenshot(path=os.path.join(a.shots, f'{a.ticket}-{name}.png'), full_page=True)
        try:
            account, plan = read_request(page, a.rt, a.ticket)
            shot('1-ticket')
            before, billed = change_plan(page, a.ledgersmb, account, plan, a.ticket, shot)
            comment = f'Plan changed from {before} to {plan} for account {account}'
            answered = billed and resolve(page, a.rt, a.ticket, comment)
            shot('5-resolved')
            result.update(account=account, plan_before=before, plan=plan, ok=billed and answered)
        except Exception as e:  # noqa: BLE001 - keep a picture of where it failed
            result['error'] = repr(e)
            try:
                shot('error')
            except Exception:  # noqa: BLE001, S110 - the picture is a best effort
                pass
        finally:
            browser.close()
    result['seconds'] = round(time.monotonic() - started, 2)
    print(json.dumps(result))
    return 0 if result['ok'] else 1


if __name__ == '__main__':
    sys.exit(main())
