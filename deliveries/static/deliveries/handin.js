/*
 * The hand-in page's drop zone: files dropped on it, or picked (several times over), are gathered
 * in the form's own file input, listed with their sizes, checked against the limits the server
 * will apply, and sent by the form's ordinary submit. Without JavaScript, or in a browser that
 * cannot build a file list (DataTransfer), the plain file picker works on its own.
 */
(function () {
  "use strict";

  function supported() {
    try {
      return typeof DataTransfer === "function" && new DataTransfer().items !== undefined;
    } catch (error) {
      return false;
    }
  }

  function humanSize(bytes) {
    var units = ["bytes", "KB", "MB", "GB", "TB"];
    var size = bytes;
    var unit = 0;
    while (size >= 1024 && unit < units.length - 1) {
      size /= 1024;
      unit += 1;
    }
    return unit === 0 ? bytes + (bytes === 1 ? " byte" : " bytes") : size.toFixed(1) + " " + units[unit];
  }

  function setUp(form) {
    var input = form.querySelector("input[type=file]");
    var zone = form.querySelector(".drop-zone");
    var list = form.querySelector(".chosen-files");
    var problem = form.querySelector(".hand-in-problem");
    var submit = form.querySelector("input[type=submit]");
    var limits = {
      fileSize: Number(form.dataset.maxFileSize),
      files: Number(form.dataset.maxFiles),
      totalSize: Number(form.dataset.maxTotalSize)
    };
    var chosen = new DataTransfer();

    zone.classList.add("enhanced");
    zone.querySelector(".drop-hint").hidden = false;

    // The same rules as deliveries.handins.HandInCheck; the server has the last word.
    function problems() {
      var found = [];
      var names = {};
      var total = 0;
      Array.prototype.forEach.call(chosen.files, function (file, index) {
        var name = file.name.normalize("NFC");
        var why = "";
        if (names[name]) {
          why = "another file has the same name";
        } else if (index >= limits.files) {
          why = "too many files: at most " + limits.files + " at once";
        } else if (file.size > limits.fileSize) {
          why = "larger than " + humanSize(limits.fileSize) + ", the largest allowed";
        } else if (total + file.size > limits.totalSize) {
          why = "together with the files before it, more than " + humanSize(limits.totalSize);
        } else {
          total += file.size;
        }
        names[name] = true;
        found.push(why);
      });
      return found;
    }

    function render() {
      var why = problems();
      list.textContent = "";
      Array.prototype.forEach.call(chosen.files, function (file, index) {
        var item = document.createElement("li");
        var name = document.createElement("span");
        name.className = "name";
        name.textContent = file.name;
        item.appendChild(name);
        item.appendChild(document.createTextNode(" (" + humanSize(file.size) + ")"));
        if (why[index]) {
          var note = document.createElement("span");
          note.className = "refused";
          note.textContent = ": " + why[index];
          item.appendChild(note);
        }
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "remove-file";
        remove.textContent = "Remove";
        remove.addEventListener("click", function () {
          var kept = new DataTransfer();
          Array.prototype.forEach.call(chosen.files, function (other, at) {
            if (at !== index) kept.items.add(other);
          });
          chosen = kept;
          update();
        });
        item.appendChild(remove);
        list.appendChild(item);
      });
      var bad = why.filter(Boolean).length;
      problem.hidden = bad === 0;
      problem.textContent = bad ? bad + (bad === 1 ? " file breaks" : " files break") + " a rule: remove or replace " + (bad === 1 ? "it" : "them") + " to hand in." : "";
      return bad;
    }

    function update() {
      input.files = chosen.files;
      render();
    }

    function add(files) {
      Array.prototype.forEach.call(files, function (file) {
        chosen.items.add(file);
      });
      update();
    }

    input.addEventListener("change", function () {
      add(input.files); // a new pick adds to the files chosen before
    });

    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) {
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
        zone.classList.add("dragging");
      });
    });
    zone.addEventListener("dragleave", function (event) {
      if (!zone.contains(event.relatedTarget)) zone.classList.remove("dragging");
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("dragging");
      if (event.dataTransfer && event.dataTransfer.files.length) add(event.dataTransfer.files);
    });
    // A file dropped beside the zone must not make the browser leave the page to show it.
    ["dragover", "drop"].forEach(function (type) {
      window.addEventListener(type, function (event) {
        if (!zone.contains(event.target)) event.preventDefault();
      });
    });

    form.addEventListener("submit", function (event) {
      if (render()) {
        event.preventDefault();
        return;
      }
      submit.disabled = true;
      submit.value = "Handing in…";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("hand-in-form");
    if (form && supported()) setUp(form);
  });
})();
