/**
 * Categories, tags and moving data against a real `serve`: categories and tags made in
 * the sidebar, given to torrents by the add dialog and the context menu, counted and
 * filtered in the sidebar (with the state filter), renamed and removed there with the
 * torrents following; and a torrent's data moved by its category and by Set location,
 * leaving Moving for Seeding in the new folder, one in the way named in the toast.
 */
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import type { Labels, Settings, TorrentInfo } from '../src/bindings';
import { addFromData, expect, openApp, repoRoot, row, test, type MadeTorrent, type Server, showIn } from './fixtures';

async function listed(server: Server): Promise<TorrentInfo[]> {
  const r = await server.rpc({ type: 'list_torrents' });
  if (r.type !== 'torrents') throw new Error(`list_torrents answered ${r.type}`);
  return r.torrents;
}

async function torrentNamed(server: Server, name: string): Promise<TorrentInfo> {
  const found = (await listed(server)).find((t) => t.name === name);
  if (!found) throw new Error(`no torrent ${name}`);
  return found;
}

async function labelsOf(server: Server): Promise<Labels> {
  const r = await server.rpc({ type: 'list_labels' });
  if (r.type !== 'labels') throw new Error(`list_labels answered ${r.type}`);
  return r.labels;
}

async function settingsOf(server: Server): Promise<Settings> {
  const r = await server.rpc({ type: 'get_settings' });
  if (r.type !== 'settings') throw new Error(`get_settings answered ${r.type}`);
  return r.settings;
}

/** Each torrent's category and tags by name, as the core has them. */
async function labelsByName(server: Server): Promise<Record<string, [string | null, string[]]>> {
  return Object.fromEntries((await listed(server)).map((t) => [t.name ?? t.id, [t.category, t.tags]]));
}

/** The sidebar's sections and their entries; `:all` and `:none` are All and Uncategorized (Untagged). */
function sidebar(page: Page) {
  const categories = page.getByRole('navigation', { name: 'Categories' });
  const tags = page.getByRole('navigation', { name: 'Tags' });
  return {
    categories,
    tags,
    category: (name: string) => categories.locator(`[data-category="${name}"]`),
    tag: (name: string) => tags.locator(`[data-tag="${name}"]`),
    state: (filter: string) => page.getByRole('navigation', { name: 'Filter by state' }).locator(`[data-filter=${filter}]`),
  };
}

const countOf = (entry: Locator) => entry.locator('.filter-count');

/** Rows shown and rows hidden, by name. */
async function expectRows(page: Page, shown: string[], hidden: string[]): Promise<void> {
  for (const name of shown) await expect(row(page, name), name).toBeVisible();
  for (const name of hidden) await expect(row(page, name), name).toHaveCount(0);
}

async function showColumn(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: 'Columns' }).click();
  await page.getByRole('menuitemcheckbox', { name }).click();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('columnheader', { name })).toBeVisible();
}

/** Opens the context menu on `names` (the first right-clicked) and its Tags or Category submenu. */
async function openSubmenu(page: Page, names: string[], submenu: 'Tags' | 'Category'): Promise<Locator> {
  await row(page, names[0]!).click();
  for (const name of names.slice(1)) await row(page, name).click({ modifiers: ['ControlOrMeta'] });
  await row(page, names[0]!).click({ button: 'right' });
  const menu = page.getByRole('menu', { name: names.length === 1 ? names[0]! : `${names.length} torrents` });
  await menu.getByRole('menuitem', { name: submenu, exact: true }).click();
  const sub = page.getByRole('menu', { name: submenu, exact: true });
  await expect(sub).toBeVisible();
  return sub;
}

test('categories and tags: made in the sidebar, given by the add dialog and the menu, counted, filtered, renamed and removed', async ({ page, server, makeTorrent, tmp }) => {
  const [one, two, three] = ['one.bin', 'two.bin', 'three.bin'].map((name) => makeTorrent(name, { [name]: 40_000 })) as [MadeTorrent, MadeTorrent, MadeTorrent];
  await addFromData(server, [one, two]);
  await openApp(page, server);
  await expect(row(page, 'one.bin').locator('.col-state')).toHaveText('Seeding', { timeout: 30_000 });
  await expect(row(page, 'two.bin').locator('.col-state')).toHaveText('Seeding', { timeout: 30_000 });
  const side = sidebar(page);
  // Before any label: All and Uncategorized (Untagged), counting every torrent.
  await expect(countOf(side.category(':all'))).toHaveText('2');
  await expect(countOf(side.category(':none'))).toHaveText('2');
  await expect(countOf(side.tag(':none'))).toHaveText('2');

  // A category with a folder, from the section's menu. A name the core would refuse is
  // refused here first, with the reason.
  const linuxFolder = join(tmp, 'linux');
  await side.categories.getByRole('button', { name: 'Category actions' }).click();
  await page.getByRole('menuitem', { name: 'New category…' }).click();
  const newCategory = page.getByRole('dialog', { name: 'New category' });
  await newCategory.getByRole('textbox', { name: 'Name' }).fill('Linux/ISOs');
  await newCategory.getByRole('textbox', { name: 'Save path' }).fill(linuxFolder);
  await newCategory.getByRole('button', { name: 'Create' }).click();
  await expect(newCategory.getByRole('alert')).toHaveText('“Linux/ISOs” holds a comma, / or \\, which names cannot.');
  await newCategory.getByRole('textbox', { name: 'Name' }).fill('  Linux ISOs ');
  await newCategory.getByRole('button', { name: 'Create' }).click();
  await expect(newCategory).toBeHidden();
  await expect(countOf(side.category('Linux ISOs'))).toHaveText('0');
  const linux = (await labelsOf(server)).categories;
  expect(linux.map((c) => c.name)).toEqual(['Linux ISOs']);
  const linuxSaved = linux[0]!.save_path!;
  expect(linuxSaved.endsWith('linux')).toBe(true);

  // Two tags at once.
  await side.tags.getByRole('button', { name: 'Tag actions' }).click();
  await page.getByRole('menuitem', { name: 'New tag…' }).click();
  const newTags = page.getByRole('dialog', { name: 'New tags' });
  await newTags.getByRole('textbox', { name: 'Tags' }).fill('iso, lts');
  await newTags.getByRole('button', { name: 'Create' }).click();
  await expect(newTags).toBeHidden();
  await expect(countOf(side.tag('iso'))).toHaveText('0');
  await expect(countOf(side.tag('lts'))).toHaveText('0');
  expect((await labelsOf(server)).tags).toEqual(['iso', 'lts']);

  // A torrent added in the category: its folder fills the save folder, and an existing
  // tag is one click.
  const downloadFolder = (await settingsOf(server)).download_folder;
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const add = page.getByRole('dialog', { name: 'Add torrent' });
  await add.getByTestId('add-file-input').setInputFiles(three.torrentPath);
  await expect(add.getByTestId('selected-total')).toHaveText(/^1 file, /);
  await expect(add.getByLabel('Save to')).toHaveValue(downloadFolder);
  await add.getByRole('combobox', { name: 'Category' }).selectOption('Linux ISOs');
  await expect(add.getByLabel('Save to')).toHaveValue(linuxSaved);
  await add.getByRole('group', { name: 'Existing tags' }).getByRole('button', { name: 'lts' }).click();
  await expect(add.getByRole('textbox', { name: 'Tags' })).toHaveValue('lts');
  await add.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(add).toBeHidden();
  await expect(row(page, 'three.bin')).toBeVisible();
  const added = await torrentNamed(server, 'three.bin');
  expect([added.category, added.tags, added.output_folder]).toEqual(['Linux ISOs', ['lts'], linuxSaved]);

  // A tag for two torrents from the menu: one request, announced, ticked next time.
  let tagsMenu = await openSubmenu(page, ['two.bin', 'one.bin'], 'Tags');
  const iso = tagsMenu.getByRole('menuitemcheckbox', { name: 'iso (2 torrents)' });
  await expect(iso).toHaveAttribute('aria-checked', 'false');
  await iso.click();
  await expect(page.getByRole('menu')).toHaveCount(0);
  await expect(page.getByRole('status').filter({ hasText: 'Tagged 2 torrents: iso' })).toBeVisible();
  await expect.poll(() => labelsByName(server)).toEqual({ 'one.bin': [null, ['iso']], 'two.bin': [null, ['iso']], 'three.bin': ['Linux ISOs', ['lts']] });

  // Half-ticked for a selection of which some have it.
  tagsMenu = await openSubmenu(page, ['one.bin', 'three.bin'], 'Tags');
  await expect(tagsMenu.getByRole('menuitemcheckbox', { name: 'iso (2 torrents)' })).toHaveAttribute('aria-checked', 'mixed');
  await expect(tagsMenu.getByRole('menuitemcheckbox', { name: 'lts (2 torrents)' })).toHaveAttribute('aria-checked', 'mixed');
  await page.keyboard.press('Escape');
  await expect(page.getByRole('menu')).toHaveCount(0);

  // Add…: a tag that does not exist yet is made on the way.
  tagsMenu = await openSubmenu(page, ['one.bin', 'two.bin'], 'Tags');
  await tagsMenu.getByRole('menuitem', { name: 'Add… (2 torrents)' }).click();
  const addTags = page.getByRole('dialog', { name: 'Add tags' });
  await expect(addTags.getByText('For 2 torrents')).toBeVisible();
  await addTags.getByRole('textbox', { name: 'Tags' }).fill('extra');
  await addTags.getByRole('button', { name: 'Add tags' }).click();
  await expect(addTags).toBeHidden();
  await expect(page.getByRole('status').filter({ hasText: 'Tagged 2 torrents: extra' })).toBeVisible();
  await expect.poll(() => labelsByName(server)).toEqual({
    'one.bin': [null, ['extra', 'iso']],
    'two.bin': [null, ['extra', 'iso']],
    'three.bin': ['Linux ISOs', ['lts']],
  });
  expect((await labelsOf(server)).tags).toEqual(['extra', 'iso', 'lts']);

  // The counts, over every torrent.
  await expect(countOf(side.category(':all'))).toHaveText('3');
  await expect(countOf(side.category(':none'))).toHaveText('2');
  await expect(countOf(side.category('Linux ISOs'))).toHaveText('1');
  await expect(countOf(side.tag(':all'))).toHaveText('3');
  await expect(countOf(side.tag(':none'))).toHaveText('0');
  await expect(countOf(side.tag('extra'))).toHaveText('2');
  await expect(countOf(side.tag('iso'))).toHaveText('2');
  await expect(countOf(side.tag('lts'))).toHaveText('1');

  // Filtering by category, by tag, both, and with the state filter.
  await side.category('Linux ISOs').click();
  await expect(side.category('Linux ISOs')).toHaveAttribute('aria-checked', 'true');
  await expectRows(page, ['three.bin'], ['one.bin', 'two.bin']);
  await side.tag('iso').click();
  await expect(page.getByText('No torrent matches this filter or search.')).toBeVisible();
  await side.category(':none').click();
  await expectRows(page, ['one.bin', 'two.bin'], ['three.bin']);
  await side.state('downloading').click();
  await expect(page.getByText('No torrent matches this filter or search.')).toBeVisible();
  await side.state('seeding').click();
  await expectRows(page, ['one.bin', 'two.bin'], ['three.bin']);
  await side.state('all').click();
  await side.category(':all').click();
  await side.tag('lts').click();
  await expectRows(page, ['three.bin'], ['one.bin', 'two.bin']);

  // Renaming a tag, chosen in the sidebar: the torrents keep it under its new name, and
  // the sidebar keeps it chosen.
  await side.tag('iso').click();
  await expectRows(page, ['one.bin', 'two.bin'], ['three.bin']);
  await side.tag('iso').click({ button: 'right' });
  await page.getByRole('menu', { name: 'iso' }).getByRole('menuitem', { name: 'Rename tag…' }).click();
  const rename = page.getByRole('dialog', { name: 'Rename tag' });
  await expect(rename.getByRole('textbox', { name: 'Tag' })).toHaveValue('iso');
  await rename.getByRole('textbox', { name: 'Tag' }).fill('linux-iso');
  await rename.getByRole('button', { name: 'Save' }).click();
  await expect(rename).toBeHidden();
  await expect(side.tag('iso')).toHaveCount(0);
  await expect(side.tag('linux-iso')).toHaveAttribute('aria-checked', 'true');
  await expect(countOf(side.tag('linux-iso'))).toHaveText('2');
  await expectRows(page, ['one.bin', 'two.bin'], ['three.bin']);
  await showColumn(page, 'Tags');
  await expect(row(page, 'one.bin').locator('.col-tags')).toHaveText('extra, linux-iso');
  await expect(row(page, 'two.bin').locator('.col-tags')).toHaveText('extra, linux-iso');
  await expect.poll(() => labelsByName(server)).toEqual({
    'one.bin': [null, ['extra', 'linux-iso']],
    'two.bin': [null, ['extra', 'linux-iso']],
    'three.bin': ['Linux ISOs', ['lts']],
  });
  await side.tag(':all').click();

  // The category's bandwidth priority, from Edit category: Normal at first, then High,
  // and still High when only its folder changes.
  const editCategory = page.getByRole('dialog', { name: 'Edit category' });
  const priority = editCategory.getByRole('combobox', { name: 'Bandwidth priority' });
  const openEdit = async () => {
    await side.category('Linux ISOs').click({ button: 'right' });
    await page.getByRole('menu', { name: 'Linux ISOs' }).getByRole('menuitem', { name: 'Edit category…' }).click();
    await expect(editCategory).toBeVisible();
  };
  await openEdit();
  await expect(priority).toHaveValue('normal');
  await priority.selectOption({ label: 'High' });
  await editCategory.getByRole('button', { name: 'Save' }).click();
  await expect(editCategory).toBeHidden();
  expect((await labelsOf(server)).categories).toEqual([{ name: 'Linux ISOs', save_path: linuxSaved, bandwidth_priority: 'high' }]);
  await openEdit();
  await expect(priority).toHaveValue('high');
  await editCategory.getByRole('textbox', { name: 'Save path' }).fill(join(tmp, 'linux-lts'));
  await editCategory.getByRole('button', { name: 'Save' }).click();
  await expect(editCategory).toBeHidden();
  const moved = (await labelsOf(server)).categories;
  expect(moved.map((c) => [c.name, c.save_path?.endsWith('linux-lts'), c.bandwidth_priority])).toEqual([['Linux ISOs', true, 'high']]);

  // Removing the category: its torrent is Uncategorized, in the sidebar, the table and its details.
  await showColumn(page, 'Category');
  await expect(row(page, 'three.bin').locator('.col-category')).toHaveText('Linux ISOs');
  await side.category('Linux ISOs').click({ button: 'right' });
  await page.getByRole('menu', { name: 'Linux ISOs' }).getByRole('menuitem', { name: 'Remove category' }).click();
  await expect(side.category('Linux ISOs')).toHaveCount(0);
  await expect(countOf(side.category(':none'))).toHaveText('3');
  await expect(row(page, 'three.bin').locator('.col-category')).toHaveText('');
  await side.category(':none').click();
  await expectRows(page, ['one.bin', 'two.bin', 'three.bin'], []);
  await row(page, 'three.bin').dblclick();
  const details = page.getByRole('region', { name: 'Details of three.bin' });
  const value = (term: string) => details.locator('.general-row').filter({ has: page.getByRole('term').filter({ hasText: new RegExp(`^${term}$`) }) }).getByRole('definition');
  await expect(value('Category')).toHaveText('—');
  await expect(value('Tags')).toHaveText('lts');
  expect(await labelsOf(server)).toEqual({ categories: [], tags: ['extra', 'linux-iso', 'lts'] });
  expect((await torrentNamed(server, 'three.bin')).category).toBeNull();
  // Nothing failed along the way.
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test('moving data: by a category with a folder, and by Set location; something in the way stops only that torrent', async ({ page, server, makeTorrent, tmp }) => {
  const mover = makeTorrent('mover.bin', { 'mover.bin': 200_000 });
  const blocked = makeTorrent('blocked.bin', { 'blocked.bin': 50_000 });
  await addFromData(server, [mover, blocked]);
  const films = await server.rpc({ type: 'set_category', name: 'Films', save_path: join(tmp, 'films'), bandwidth_priority: 'normal' });
  if (films.type !== 'labels') throw new Error(`set_category answered ${films.type}`);
  const filmsFolder = films.labels.categories[0]!.save_path!;
  await openApp(page, server);
  const state = (name: string) => row(page, name).locator('.col-state');
  await expect(state('mover.bin')).toHaveText('Seeding', { timeout: 30_000 });
  await expect(state('blocked.bin')).toHaveText('Seeding', { timeout: 30_000 });
  const side = sidebar(page);

  // Choosing a category with a folder asks whether the data goes too; off at first.
  const categoryMenu = await openSubmenu(page, ['mover.bin'], 'Category');
  await expect(categoryMenu.getByRole('menuitemradio', { name: 'None' })).toHaveAttribute('aria-checked', 'true');
  await categoryMenu.getByRole('menuitemradio', { name: 'Films' }).click();
  const ask = page.getByRole('dialog', { name: 'Category: Films' });
  const moveData = ask.getByRole('checkbox', { name: "Also move their data to the category's folder" });
  await expect(moveData).not.toBeChecked();
  await moveData.check();
  await ask.getByRole('button', { name: 'Set category' }).click();
  await expect(ask).toBeHidden();
  await expect(page.getByRole('status').filter({ hasText: 'Category of mover.bin: Films' })).toBeVisible();
  // It leaves Moving (and the check where it landed) for Seeding, from the category's folder.
  await expect
    .poll(async () => {
      const t = await torrentNamed(server, 'mover.bin');
      return [t.category, t.state, t.output_folder];
    }, { timeout: 60_000 })
    .toEqual(['Films', 'seeding', filmsFolder]);
  await expect(state('mover.bin')).toHaveText('Seeding');
  await expect(countOf(side.state('moving'))).toHaveText('0');
  expect(existsSync(join(filmsFolder, 'mover.bin'))).toBe(true);
  expect(existsSync(join(mover.dataDir, 'mover.bin'))).toBe(false);

  // Set location for two, one of which would write over a file already there: the other
  // moves, and the toast names the one that did not, and why.
  const elsewhere = join(tmp, 'elsewhere');
  mkdirSync(elsewhere, { recursive: true });
  writeFileSync(join(elsewhere, 'blocked.bin'), 'not the torrent’s data');
  const blockedBefore = (await torrentNamed(server, 'blocked.bin')).output_folder;
  await row(page, 'mover.bin').click();
  await row(page, 'blocked.bin').click({ modifiers: ['ControlOrMeta'] });
  await row(page, 'mover.bin').click({ button: 'right' });
  await page.getByRole('menu', { name: '2 torrents' }).getByRole('menuitem', { name: 'Set location… (2 torrents)' }).click();
  const dialog = page.getByRole('dialog', { name: 'Set location' });
  const folder = dialog.getByRole('textbox', { name: 'Move the data to' });
  // They are in different folders: nothing to start from.
  await expect(folder).toHaveValue('');
  await dialog.getByRole('button', { name: 'Move' }).click();
  await expect(dialog.getByRole('alert')).toHaveText('Enter the folder to move the data to.');
  await folder.fill(elsewhere);
  await dialog.getByRole('button', { name: 'Move' }).click();
  await expect(page.getByRole('alert').filter({ hasText: /^Moved 1 of 2: blocked\.bin: .+/ })).toBeVisible();
  // The dialog stays for another try; the file in the way is untouched.
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  expect(readFileSync(join(elsewhere, 'blocked.bin'), 'utf8')).toBe('not the torrent’s data');

  const elsewhereSaved = realpathSync(elsewhere);
  await expect
    .poll(async () => {
      const t = await torrentNamed(server, 'mover.bin');
      return [t.state, t.output_folder];
    }, { timeout: 60_000 })
    .toEqual(['seeding', elsewhereSaved]);
  await expect(state('mover.bin')).toHaveText('Seeding');
  expect(existsSync(join(elsewhere, 'mover.bin'))).toBe(true);
  expect(existsSync(join(filmsFolder, 'mover.bin'))).toBe(false);
  const stayed = await torrentNamed(server, 'blocked.bin');
  expect([stayed.state, stayed.output_folder]).toEqual(['seeding', blockedBefore]);

  // The details show where it is now; Set location for it alone starts from there.
  await row(page, 'mover.bin').dblclick();
  const details = page.getByRole('region', { name: 'Details of mover.bin' });
  await expect(details.locator('.general-row').filter({ has: page.getByRole('term').filter({ hasText: /^Save path$/ }) }).getByRole('definition')).toHaveText(elsewhereSaved);
  await row(page, 'mover.bin').click({ button: 'right' });
  await page.getByRole('menu', { name: 'mover.bin' }).getByRole('menuitem', { name: 'Set location…' }).click();
  await expect(dialog.getByRole('textbox', { name: 'Move the data to' })).toHaveValue(elsewhereSaved);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
});

test('the sidebar sections in German and in the dark theme', async ({ page, server, makeTorrent }) => {
  const made = makeTorrent('hell.bin', { 'hell.bin': 20_000 });
  await addFromData(server, [made]);
  await server.rpc({ type: 'set_category', name: 'Filme', save_path: null, bandwidth_priority: 'normal' });
  await server.rpc({ type: 'create_tags', names: ['neu'] });
  await openApp(page, server);
  const out = join(repoRoot, 'target', 'ui-screenshots');
  mkdirSync(out, { recursive: true });
  const surfaces: string[] = [];
  for (const theme of ['light', 'dark'] as const) {
    await showIn(page, theme, 'de');
    const categories = page.getByRole('navigation', { name: 'Kategorien' });
    const tags = page.getByRole('navigation', { name: 'Schlagwörter' });
    await expect(categories.locator('[data-category=":none"] .filter-name')).toHaveText('Ohne Kategorie');
    await expect(categories.locator('[data-category="Filme"] .filter-count')).toHaveText('0');
    await expect(tags.locator('[data-tag=":none"] .filter-name')).toHaveText('Ohne Schlagwort');
    await categories.locator('[data-category="Filme"]').click({ button: 'right' });
    const menu = page.getByRole('menu', { name: 'Filme' });
    await expect(menu.getByRole('menuitem', { name: 'Kategorie bearbeiten…' })).toBeVisible();
    surfaces.push(await menu.evaluate((el) => getComputedStyle(el).backgroundColor));
    await page.screenshot({ path: join(out, `labels-${theme}.png`) });
    await page.keyboard.press('Escape');
    await expect(menu).toBeHidden();
  }
  expect(surfaces).toEqual(['rgb(255, 255, 255)', 'rgb(27, 31, 38)']);
});
