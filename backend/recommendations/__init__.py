"""为您推荐: open needs ranked for one organisation, with the reasons for each place."""
