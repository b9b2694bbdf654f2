/* Project board: drag a card onto another stage's column to move it there.
   Each card carries its own move form (stage select + button) for keyboard users; a drop just
   fills that form's stage and submits it, so the server-side rules and messages stay the same. */
(function () {
  "use strict";
  var board = document.querySelector(".board[data-draggable]");
  if (!board) { return; }
  board.querySelectorAll(".board-card[draggable]").forEach(function (card) {
    card.addEventListener("dragstart", function (event) {
      event.dataTransfer.setData("text/plain", card.dataset.moveForm);
      event.dataTransfer.effectAllowed = "move";
      card.classList.add("dragging");
    });
    card.addEventListener("dragend", function () { card.classList.remove("dragging"); });
  });
  board.querySelectorAll(".column[data-stage]").forEach(function (column) {
    column.addEventListener("dragover", function (event) {
      event.preventDefault();
      column.classList.add("drop-target");
    });
    column.addEventListener("dragleave", function () { column.classList.remove("drop-target"); });
    column.addEventListener("drop", function (event) {
      event.preventDefault();
      column.classList.remove("drop-target");
      var form = document.getElementById(event.dataTransfer.getData("text/plain"));
      if (!form || form.elements.stage.value === column.dataset.stage) { return; }
      form.elements.stage.value = column.dataset.stage;
      form.submit();
    });
  });
}());
