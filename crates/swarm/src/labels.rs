//! Categories and tags (issue 18): the names and each category's folder in `labels.json`,
//! and which torrent has which in its record (`torrent-records.json`).
//!
//! [`LabelBook`]'s changes are pure: they take the records they touch and either change
//! everything asked or nothing. [`Swarm`]'s methods below check the torrents named, make
//! the change under one lock and save what changed.

use std::collections::{BTreeMap, BTreeSet};

use bidswarm_api::{BandwidthPriority, Category, Label, Labels, TorrentId, MAX_LABELS, MAX_TAGS_PER_TORRENT};
use bidswarm_primitives::{write_atomically, Access};
use serde::{Deserialize, Serialize};
use tracing::warn;

use crate::{records::TorrentRecord, Error, Result, Swarm};

type Records = BTreeMap<TorrentId, TorrentRecord>;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub(crate) struct LabelBook {
    /// Each category's folder, when it has one.
    categories: BTreeMap<Label, Option<String>>,
    /// Each category's bandwidth priority that is not normal (a map of its own, so that
    /// `labels.json` written before it reads the same).
    priorities: BTreeMap<Label, BandwidthPriority>,
    tags: BTreeSet<Label>,
}

fn category(name: &Label) -> String {
    format!("category \"{name}\"")
}

fn tag(name: &Label) -> String {
    format!("tag \"{name}\"")
}

fn too_many(what: &str) -> Error {
    Error::BadInput(format!("at most {MAX_LABELS} {what} can be kept; remove some first"))
}

fn too_many_tags_on_one() -> Error {
    Error::BadInput(format!("a torrent can have at most {MAX_TAGS_PER_TORRENT} tags"))
}

impl LabelBook {
    pub fn labels(&self) -> Labels {
        Labels {
            categories: self
                .categories
                .iter()
                .map(|(name, save_path)| Category {
                    name: name.clone(),
                    save_path: save_path.clone(),
                    bandwidth_priority: self.priority_of(Some(name)),
                })
                .collect(),
            tags: self.tags.iter().cloned().collect(),
        }
    }

    /// The category must exist.
    pub fn folder_of(&self, name: &Label) -> Result<Option<String>> {
        self.categories.get(name).cloned().ok_or_else(|| Error::UnknownLabel(category(name)))
    }

    /// A category's bandwidth priority; normal for none, or one that does not exist.
    pub fn priority_of(&self, name: Option<&Label>) -> BandwidthPriority {
        name.and_then(|n| self.priorities.get(n).copied()).unwrap_or_default()
    }

    /// Creates a category, or changes the folder and priority of one; `None` keeps its
    /// priority (normal for a new one).
    pub fn set_category(
        &mut self,
        name: Label,
        save_path: Option<String>,
        priority: Option<BandwidthPriority>,
    ) -> Result<()> {
        if !self.categories.contains_key(&name) && self.categories.len() >= MAX_LABELS {
            return Err(too_many("categories"));
        }
        let priority = priority.unwrap_or_else(|| self.priority_of(Some(&name)));
        if priority == BandwidthPriority::Normal {
            self.priorities.remove(&name);
        } else {
            self.priorities.insert(name.clone(), priority);
        }
        self.categories.insert(name, save_path);
        Ok(())
    }

    pub fn rename_category(&mut self, records: &mut Records, from: &Label, to: &Label) -> Result<()> {
        if from == to {
            return self.folder_of(from).map(drop);
        }
        if self.categories.contains_key(to) {
            return Err(Error::LabelExists(category(to)));
        }
        let folder = self.categories.remove(from).ok_or_else(|| Error::UnknownLabel(category(from)))?;
        self.categories.insert(to.clone(), folder);
        if let Some(priority) = self.priorities.remove(from) {
            self.priorities.insert(to.clone(), priority);
        }
        for record in records.values_mut().filter(|r| r.category.as_ref() == Some(from)) {
            record.category = Some(to.clone());
        }
        Ok(())
    }

    pub fn remove_categories(&mut self, records: &mut Records, names: &[Label]) {
        for name in names {
            self.categories.remove(name);
            self.priorities.remove(name);
        }
        for record in records.values_mut() {
            if record.category.as_ref().is_some_and(|c| names.contains(c)) {
                record.category = None;
            }
        }
    }

    /// Creates the tags that do not exist yet; all of them or, past [`MAX_LABELS`], none.
    /// Answers whether any was new.
    pub fn create_tags(&mut self, names: &[Label]) -> Result<bool> {
        let new: BTreeSet<&Label> = names.iter().filter(|n| !self.tags.contains(*n)).collect();
        if self.tags.len() + new.len() > MAX_LABELS {
            return Err(too_many("tags"));
        }
        let created = !new.is_empty();
        self.tags.extend(new.into_iter().cloned());
        Ok(created)
    }

    pub fn rename_tag(&mut self, records: &mut Records, from: &Label, to: &Label) -> Result<()> {
        if !self.tags.contains(from) {
            return Err(Error::UnknownLabel(tag(from)));
        }
        if from == to {
            return Ok(());
        }
        if self.tags.contains(to) {
            return Err(Error::LabelExists(tag(to)));
        }
        self.tags.remove(from);
        self.tags.insert(to.clone());
        for record in records.values_mut() {
            if record.tags.remove(from) {
                record.tags.insert(to.clone());
            }
        }
        Ok(())
    }

    pub fn remove_tags(&mut self, records: &mut Records, names: &[Label]) {
        for name in names {
            self.tags.remove(name);
        }
        for record in records.values_mut() {
            record.tags.retain(|t| !names.contains(t));
        }
    }

    /// Adds what the records name but the book lacks (a `labels.json` lost or older than
    /// the records), so no torrent points at a name the lists do not show.
    fn adopt_names_in(&mut self, records: &Records) {
        for record in records.values() {
            if let Some(name) = &record.category {
                self.categories.entry(name.clone()).or_default();
            }
            self.tags.extend(record.tags.iter().cloned());
        }
    }
}

impl Swarm {
    pub fn labels(&self) -> Labels {
        self.lock().labels.labels()
    }

    /// The folder of a category that must exist.
    pub fn category_folder(&self, name: &Label) -> Result<Option<String>> {
        self.lock().labels.folder_of(name)
    }

    pub async fn set_category(
        &self,
        name: Label,
        save_path: Option<String>,
        priority: Option<BandwidthPriority>,
    ) -> Result<Labels> {
        self.change_labels(|book, _| book.set_category(name, save_path, priority)).await
    }

    pub async fn rename_category(&self, from: &Label, to: &Label) -> Result<Labels> {
        self.change_labels(|book, records| book.rename_category(records, from, to)).await
    }

    pub async fn remove_categories(&self, names: &[Label]) -> Result<Labels> {
        self.change_labels(|book, records| {
            book.remove_categories(records, names);
            Ok(())
        })
        .await
    }

    pub async fn create_tags(&self, names: &[Label]) -> Result<Labels> {
        self.change_labels(|book, _| book.create_tags(names).map(drop)).await
    }

    pub async fn rename_tag(&self, from: &Label, to: &Label) -> Result<Labels> {
        self.change_labels(|book, records| book.rename_tag(records, from, to)).await
    }

    pub async fn remove_tags(&self, names: &[Label]) -> Result<Labels> {
        self.change_labels(|book, records| {
            book.remove_tags(records, names);
            Ok(())
        })
        .await
    }

    /// One change to the book (and the records it touches), saved; answers every label.
    /// The change works on copies, so an error leaves both as they were.
    async fn change_labels(
        &self,
        change: impl FnOnce(&mut LabelBook, &mut Records) -> Result<()>,
    ) -> Result<Labels> {
        let labels = {
            let mut shared = self.lock();
            let shared = &mut *shared;
            let mut book = shared.labels.clone();
            let mut records = shared.records.clone();
            change(&mut book, &mut records)?;
            shared.labels = book;
            shared.records = records;
            shared.labels.labels()
        };
        self.save_labels().await;
        self.save_records().await;
        Ok(labels)
    }

    /// Puts torrents in a category (which must exist), or in none. All or nothing: an
    /// unknown torrent changes none.
    pub async fn set_torrent_category(&self, ids: &[TorrentId], category: Option<&Label>) -> Result<()> {
        self.each_exists(ids)?;
        {
            let mut shared = self.lock();
            if let Some(name) = category {
                shared.labels.folder_of(name)?;
            }
            for id in ids {
                if let Some(r) = shared.records.get_mut(id) {
                    r.category = category.cloned();
                }
            }
        }
        self.save_records().await;
        Ok(())
    }

    /// Adds tags to torrents, creating the tags that do not exist yet. All or nothing.
    pub async fn add_torrent_tags(&self, ids: &[TorrentId], tags: &[Label]) -> Result<()> {
        self.each_exists(ids)?;
        self.change_labels(|book, records| {
            book.create_tags(tags)?;
            for id in ids {
                if let Some(r) = records.get_mut(id) {
                    r.tags.extend(tags.iter().cloned());
                    if r.tags.len() > MAX_TAGS_PER_TORRENT {
                        return Err(too_many_tags_on_one());
                    }
                }
            }
            Ok(())
        })
        .await
        .map(drop)
    }

    pub async fn remove_torrent_tags(&self, ids: &[TorrentId], tags: &[Label]) -> Result<()> {
        self.each_exists(ids)?;
        {
            let mut shared = self.lock();
            for id in ids {
                if let Some(r) = shared.records.get_mut(id) {
                    r.tags.retain(|t| !tags.contains(t));
                }
            }
        }
        self.save_records().await;
        Ok(())
    }

    /// Gives a torrent being added its category (which must exist) and tags (created when
    /// new), before it is added, so a failure adds nothing. Answers whether a tag was
    /// created, so `labels.json` is written only then.
    pub(crate) fn label_new_record(
        &self,
        record: &mut TorrentRecord,
        category: Option<&Label>,
        tags: &[Label],
    ) -> Result<bool> {
        let mut shared = self.lock();
        if let Some(name) = category {
            shared.labels.folder_of(name)?;
        }
        if tags.len() > MAX_TAGS_PER_TORRENT {
            return Err(too_many_tags_on_one());
        }
        let created = shared.labels.create_tags(tags)?;
        record.category = category.cloned();
        record.tags = tags.iter().cloned().collect();
        Ok(created)
    }

    fn each_exists(&self, ids: &[TorrentId]) -> Result<()> {
        ids.iter().try_for_each(|id| self.get(id).map(drop))
    }

    fn labels_file(&self) -> Option<std::path::PathBuf> {
        self.config.state_folder.as_ref().map(|f| f.join("labels.json"))
    }

    /// Writes `labels.json`, one writer at a time, so the last write holds the last change.
    pub(crate) async fn save_labels(&self) {
        let Some(path) = self.labels_file() else { return };
        let _one_writer = self.labels_writes.lock().await;
        let json = serde_json::to_vec_pretty(&self.lock().labels).unwrap_or_default();
        if let Err(e) = write_atomically(&path, &json, Access::Default).await {
            warn!(path = %path.display(), "could not save categories and tags: {e}");
        }
    }

    /// Reads `labels.json` after the records, adopting any name a record has that it lacks.
    pub(crate) async fn restore_labels(&self) {
        let mut book = LabelBook::default();
        if let Some(path) = self.labels_file() {
            if let Ok(json) = tokio::fs::read(&path).await {
                match serde_json::from_slice(&json) {
                    Ok(saved) => book = saved,
                    Err(e) => warn!(path = %path.display(), "ignoring unreadable categories and tags: {e}"),
                }
            }
        }
        let mut shared = self.lock();
        book.adopt_names_in(&shared.records);
        shared.labels = book;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(name: &str) -> Label {
        Label::new(name).unwrap()
    }

    fn records_with(category: &str, tags: &[&str]) -> Records {
        let record = TorrentRecord {
            category: Some(label(category)),
            tags: tags.iter().map(|t| label(t)).collect(),
            ..Default::default()
        };
        BTreeMap::from([(TorrentId::from([1; 20]), record)])
    }

    #[test]
    fn renaming_a_category_takes_its_torrents_and_folder_and_never_merges_two() {
        let mut book = LabelBook::default();
        book.set_category(label("Linux"), Some("/data/linux".into()), Default::default()).unwrap();
        book.set_category(label("Films"), None, Default::default()).unwrap();
        let mut records = records_with("Linux", &[]);
        let err = book.rename_category(&mut records, &label("Linux"), &label("Films")).unwrap_err();
        assert!(matches!(err, Error::LabelExists(_)), "{err}");
        let err = book.rename_category(&mut records, &label("Nope"), &label("New")).unwrap_err();
        assert!(matches!(err, Error::UnknownLabel(_)), "{err}");
        book.rename_category(&mut records, &label("Linux"), &label("Distros")).unwrap();
        assert_eq!(book.folder_of(&label("Distros")).unwrap().as_deref(), Some("/data/linux"));
        assert!(book.folder_of(&label("Linux")).is_err());
        assert_eq!(records.values().next().unwrap().category, Some(label("Distros")));
    }

    #[test]
    fn a_categorys_priority_goes_with_a_rename_and_a_remove_and_older_files_read_as_normal() {
        use bidswarm_api::BandwidthPriority::{High, Normal};
        let mut book = LabelBook::default();
        book.set_category(label("Fast"), None, Some(High)).unwrap();
        let mut records = records_with("Fast", &[]);
        book.rename_category(&mut records, &label("Fast"), &label("Faster")).unwrap();
        assert_eq!(book.priority_of(Some(&label("Faster"))), High);
        assert_eq!(book.priority_of(Some(&label("Fast"))), Normal);
        assert_eq!(book.labels().categories[0].bandwidth_priority, High);
        // Left out, it is kept.
        book.set_category(label("Faster"), Some("/x".into()), None).unwrap();
        assert_eq!(book.priority_of(Some(&label("Faster"))), High);
        book.remove_categories(&mut records, &[label("Faster")]);
        book.set_category(label("Faster"), None, None).unwrap();
        assert_eq!(
            book.priority_of(Some(&label("Faster"))),
            Normal,
            "a removed category's priority went with it"
        );
        // `labels.json` from before priorities: every category normal.
        let old: LabelBook =
            serde_json::from_str(r#"{"categories":{"Linux":"/data"},"tags":["a"]}"#).unwrap();
        assert_eq!(old.priority_of(Some(&label("Linux"))), Normal);
        assert_eq!(old.folder_of(&label("Linux")).unwrap().as_deref(), Some("/data"));
    }

    #[test]
    fn removing_labels_takes_them_off_torrents_and_ignores_unknown_names() {
        let mut book = LabelBook::default();
        book.set_category(label("Linux"), None, Default::default()).unwrap();
        book.create_tags(&[label("a"), label("b")]).unwrap();
        let mut records = records_with("Linux", &["a", "b"]);
        book.remove_categories(&mut records, &[label("Linux"), label("Unknown")]);
        book.remove_tags(&mut records, &[label("a"), label("zzz")]);
        let record = records.values().next().unwrap();
        assert_eq!(record.category, None);
        assert_eq!(record.tags, BTreeSet::from([label("b")]));
        assert_eq!(book.labels(), Labels { categories: vec![], tags: vec![label("b")] });
    }

    #[test]
    fn renaming_a_tag_renames_it_on_torrents_and_refuses_an_existing_name() {
        let mut book = LabelBook::default();
        book.create_tags(&[label("a"), label("b")]).unwrap();
        let mut records = records_with("x", &["a"]);
        assert!(matches!(
            book.rename_tag(&mut records, &label("a"), &label("b")),
            Err(Error::LabelExists(_))
        ));
        assert!(matches!(
            book.rename_tag(&mut records, &label("q"), &label("r")),
            Err(Error::UnknownLabel(_))
        ));
        book.rename_tag(&mut records, &label("a"), &label("c")).unwrap();
        assert_eq!(records.values().next().unwrap().tags, BTreeSet::from([label("c")]));
    }

    /// A caller that creates names without end is stopped at the cap, and a batch that
    /// would cross it adds none of its names.
    #[test]
    fn names_stop_at_the_cap_all_or_nothing() {
        let mut book = LabelBook::default();
        let names: Vec<Label> = (0..MAX_LABELS - 1).map(|i| label(&format!("t{i}"))).collect();
        book.create_tags(&names).unwrap();
        let err = book.create_tags(&[label("new1"), label("new2")]).unwrap_err();
        assert!(err.to_string().contains("at most 1000 tags"), "{err}");
        assert_eq!(book.tags.len(), MAX_LABELS - 1);
        book.create_tags(&[label("new1"), label("t0")]).unwrap();
        assert_eq!(book.tags.len(), MAX_LABELS);
        for i in 0..MAX_LABELS {
            let _ = book.set_category(label(&format!("c{i}")), None, Default::default());
        }
        assert!(book.set_category(label("one more"), None, Default::default()).is_err());
        assert!(
            book.set_category(label("c0"), Some("/x".into()), Default::default()).is_ok(),
            "changing one is not adding"
        );
    }

    #[test]
    fn a_lost_labels_file_is_rebuilt_from_the_records() {
        let mut book = LabelBook::default();
        book.adopt_names_in(&records_with("Linux", &["a"]));
        assert_eq!(book.labels().categories[0].name, label("Linux"));
        assert_eq!(book.labels().tags, vec![label("a")]);
    }
}
